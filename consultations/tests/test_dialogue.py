"""The dialogue level: applying, deciding, and who reads and writes the closed thread and the minutes
in which phase; bad input; notifications after commit."""

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from comments.models import Comment
from consultations.models import Application, MeetingMinutes
from consultations.services import ParticipationRefused
from consultations.services import dialogue as services
from meydan.accounts.models import Membership
from meydan.notifications.models import Notification

pytestmark = pytest.mark.django_db

PHASES = ("upcoming", "open", "closed", "reported")
ROLES = ("anonymous", "resident", "ngo_member", "ngo_admin", "official", "editor", "comms_approver")
LOGIN = "Log in to take part."
NOT_OPEN = "This participation is not open"
STAFF_DO_NOT_APPLY = "Officials responsible for this dialogue take part without applying."
ONLY_OFFICIALS = "Only officials of the responsible municipality or department decide on applications."
MINUTES_TITLE = "Second meeting: budget lines"
THREAD_COMMENT = "We propose to start with the school gardens."


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


def apply_url(page):
    return reverse("consultations:apply", args=[page.pk])


def decide_url(application, page=None):
    return reverse("consultations:decide_application", args=[(page or application.page).pk, application.pk])


def thread_url(page):
    return reverse("comments:post", args=[ContentType.objects.get_for_model(page).pk, page.pk])


def application(page, user, status="pending", **fields):
    if status == "declined":
        fields.setdefault("reason", "The group is full.")
    return Application.objects.create(page=page, applicant=user, statement="I live here.", status=status, **fields)


# The policy at a glance -------------------------------------------------------------------------------

# Applying: anyone with a confirmed account while the dialogue is open, except its own officials.
APPLY_OPEN = {
    "anonymous": LOGIN,
    "resident": None,
    "ngo_member": None,
    "ngo_admin": None,
    "official": STAFF_DO_NOT_APPLY,
    "editor": None,
    "comms_approver": None,
}


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_grid_apply(client, make_page, people, role, phase):
    page = make_page("dialogue", phase=phase)
    refusal = LOGIN if role == "anonymous" else APPLY_OPEN[role] if phase == "open" else NOT_OPEN
    response = as_user(client, people[role]).post(apply_url(page), {"statement": "I care about parks."})
    if refusal is None:
        assert response.status_code == 302
        stored = Application.objects.get()
        assert (stored.applicant, stored.status, stored.statement) == (people[role], "pending", "I care about parks.")
    else:
        assert response.status_code == 403
        assert refusal in response.text
        assert not Application.objects.exists()


# Deciding: the page's officials, in every phase (a late decision still needs to be possible).
DECIDE = {role: role == "official" for role in ROLES}


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize(("role", "allowed"), DECIDE.items())
def test_permission_grid_decide(client, make_page, people, role, allowed, phase):
    page = make_page("dialogue", phase=phase)
    pending = application(page, people["resident"])
    response = as_user(client, people[role]).post(decide_url(pending), {"decision": "approve", "reason": ""})
    pending.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert (pending.status, pending.decided_by) == ("approved", people[role])
    else:
        assert response.status_code == 403
        assert ONLY_OFFICIALS in response.text
        assert (pending.status, pending.decided_by, pending.decided_at) == ("pending", None, None)


@pytest.fixture
def dialogue_with_people(make_page, people):
    """A dialogue in a given phase where the NGO admin is an approved participant (for the NGO), the NGO
    member's application is pending and the resident's was declined; with minutes and a comment."""

    def make(phase):
        page = make_page("dialogue", phase=phase, public_summary="<p>Public summary text.</p>")
        application(page, people["ngo_admin"], status="approved", organisation=people["ngo"], represents="Members")
        application(page, people["ngo_member"])
        application(page, people["resident"], status="declined")
        MeetingMinutes.objects.create(page=page, held_on=date(2026, 3, 1), title=MINUTES_TITLE, body="<p>Notes</p>")
        Comment.objects.create(
            content_type=ContentType.objects.get_for_model(page),
            object_id=page.pk,
            author=people["official"],
            text=THREAD_COMMENT,
        )
        return page

    return make


@pytest.fixture
def people(people, ngo):
    return {**people, "ngo": ngo}


# Reading the thread and the minutes: approved participants and the page's officials, in every phase
# (the record stays readable after closing). The public summary is for everyone.
SEE = {role: role in ("ngo_admin", "official") for role in ROLES}


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize(("role", "allowed"), SEE.items())
def test_permission_grid_see_thread_and_minutes(client, dialogue_with_people, people, role, allowed, phase):
    page = dialogue_with_people(phase)
    html = as_user(client, people[role]).get(page.url).text
    assert "Public summary text." in html
    assert people["ngo"].name in html  # who takes part is public
    assert (MINUTES_TITLE in html) is allowed
    assert (THREAD_COMMENT in html) is allowed
    assert ("visible to approved participants" in html) is not allowed


# Writing in the thread, through the comments app: participants and officials while open. Everyone
# else cannot even see the thread, so the comments app answers 404 as for any target it may not show.
def post_expectation(role, phase):
    if not SEE[role]:
        return 404
    return 302 if phase == "open" else 403


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_grid_post_in_thread(client, dialogue_with_people, people, role, phase):
    page = dialogue_with_people(phase)
    status = post_expectation(role, phase)
    response = as_user(client, people[role]).post(thread_url(page), {"text": "My view", "alignment": "neutral"})
    assert response.status_code == status
    assert Comment.objects.filter(text="My view").exists() is (status == 302)
    if status == 403:
        assert NOT_OPEN in response.text


def test_an_ngo_participant_writes_as_the_organisation(client, dialogue_with_people, people):
    page = dialogue_with_people("open")
    client.force_login(people["ngo_admin"])
    assert people["ngo"].name in client.get(page.url).text  # offered in the thread's form
    data = {"text": "Our position", "alignment": "for", "organisation": people["ngo"].pk}
    assert client.post(thread_url(page), data).status_code == 302
    assert Comment.objects.get(text="Our position").organisation == people["ngo"]


def test_a_participant_declined_later_is_not_approved(client, dialogue_with_people, people):
    page = dialogue_with_people("open")
    client.force_login(people["ngo_member"])  # pending
    assert client.post(thread_url(page), {"text": "x", "alignment": "neutral"}).status_code == 404
    assert not services.is_participant(people["ngo_member"], page)


# Applying: bad input and second tries ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"statement": ""}, "This field is required."),
        ({"statement": "x" * 2001}, "At most 2,000 characters, please; this has 2,001."),
    ],
)
def test_bad_statements_get_400_and_keep_the_text(client, make_page, people, data, message):
    page = make_page("dialogue")
    response = as_user(client, people["resident"]).post(apply_url(page), data)
    assert response.status_code == 400
    assert message in response.text
    assert data["statement"] in response.text
    assert not Application.objects.exists()


def test_an_ngo_applies_for_the_organisation_saying_whom_it_represents(client, make_page, people):
    page = make_page("dialogue")
    client.force_login(people["ngo_admin"])
    data = {"statement": "We run the park volunteers.", "organisation": people["ngo"].pk}
    response = client.post(apply_url(page), data)
    assert response.status_code == 400
    assert "Say whom the organisation represents." in response.text
    assert not Application.objects.exists()
    response = client.post(apply_url(page), {**data, "represents": "x" * 501})
    assert response.status_code == 400
    assert not Application.objects.exists()
    response = client.post(apply_url(page), {**data, "represents": "400 volunteers of Moda"})
    assert response.status_code == 302
    stored = Application.objects.get()
    assert (stored.organisation, stored.represents) == (people["ngo"], "400 volunteers of Moda")


def test_applying_for_an_organisation_one_does_not_administer_is_refused(client, make_page, people):
    page = make_page("dialogue")
    data = {"statement": "Hello", "organisation": people["ngo"].pk, "represents": "Everyone"}
    response = as_user(client, people["ngo_member"]).post(apply_url(page), data)
    assert response.status_code == 400
    assert "You can speak only for a verified organisation you administer." in response.text
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("pending", "You have already applied; your application is waiting for a decision."),
        ("approved", "You already take part in this dialogue."),
        ("declined", "Your application was declined on"),
    ],
)
def test_one_application_per_person_with_a_clear_message(client, make_page, people, status, message):
    page = make_page("dialogue")
    first = application(page, people["resident"], status=status)
    response = as_user(client, people["resident"]).post(apply_url(page), {"statement": "Once more"})
    assert response.status_code == 409
    assert message in response.text
    assert list(Application.objects.all()) == [first]
    if status == "declined":
        assert "The group is full." in response.text  # the reason, again


def test_the_database_keeps_one_application_when_two_arrive_at_once(make_page, people, monkeypatch):
    page = make_page("dialogue")
    application(page, people["resident"])
    # The second request passed the check before the first was stored.
    monkeypatch.setattr(services, "apply_refusal", lambda user, page: None)
    with pytest.raises(ParticipationRefused) as refused:
        services.apply(people["resident"], page, "Again")
    assert refused.value.code == "already_done"
    assert "already applied" in refused.value.message
    assert Application.objects.count() == 1


def test_the_applicant_sees_the_status_and_the_reason(client, make_page, people):
    page = make_page("dialogue")
    application(page, people["resident"], status="declined", reason="Only organisations this time.")
    html = as_user(client, people["resident"]).get(page.url).text
    assert "Your application" in html and "Declined" in html and "Only organisations this time." in html
    assert 'action="/consultations/dialogue/' not in html.split("Your application")[1].split("</section>")[0]


# Deciding: bad input -------------------------------------------------------------------------------


def test_declining_needs_a_reason(client, make_page, people):
    page = make_page("dialogue")
    pending = application(page, people["resident"])
    client.force_login(people["official"])
    response = client.post(decide_url(pending), {"decision": "decline", "reason": "  "})
    assert response.status_code == 400
    assert "Give the reason for declining; the applicant will read it." in response.text
    for data in ({"decision": "maybe"}, {}, {"decision": "decline", "reason": "x" * 2001}):
        assert client.post(decide_url(pending), data).status_code == 400
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_deciding_twice_is_refused(client, make_page, people):
    page = make_page("dialogue")
    pending = application(page, people["resident"])
    client.force_login(people["official"])
    assert client.post(decide_url(pending), {"decision": "decline", "reason": "Full."}).status_code == 302
    response = client.post(decide_url(pending), {"decision": "approve"})
    assert response.status_code == 409
    assert "This application was already decided: Declined." in response.text
    pending.refresh_from_db()
    assert (pending.status, pending.reason) == ("declined", "Full.")


def test_unknown_and_foreign_applications_are_404(client, make_page, people):
    page, other = make_page("dialogue"), make_page("dialogue")
    foreign = application(other, people["resident"])
    client.force_login(people["official"])
    assert client.post(decide_url(foreign, page=page), {"decision": "approve"}).status_code == 404
    missing = reverse("consultations:decide_application", args=[page.pk, foreign.pk + 999])
    assert client.post(missing, {"decision": "approve"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "pending"


def test_officials_of_another_municipality_may_not_decide(client, make_page, people, make_organisation, make_user):
    elsewhere = make_organisation(kind="municipality")
    page = make_page("dialogue", municipality=elsewhere, responsible=None)
    pending = application(page, people["resident"])
    # The department's official works for the fixture's municipality, not for this one.
    response = as_user(client, people["official"]).post(decide_url(pending), {"decision": "approve"})
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"
    local = make_user()
    Membership.objects.create(user=local, organisation=elsewhere, role=Membership.Role.OFFICIAL)
    assert as_user(client, local).post(decide_url(pending), {"decision": "approve"}).status_code == 302


def test_the_applicant_is_notified_after_commit(client, make_page, people, django_capture_on_commit_callbacks):
    page = make_page("dialogue")
    pending = application(page, people["resident"])
    client.force_login(people["official"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(decide_url(pending), {"decision": "decline", "reason": "We need organisations."})
    assert not Notification.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()
    notification = Notification.objects.get()
    assert notification.user == people["resident"]
    assert notification.title == "Your application to the dialogue was declined"
    assert "We need organisations." in notification.body


def test_approval_lets_the_applicant_into_the_thread(client, make_page, people, django_capture_on_commit_callbacks):
    page = make_page("dialogue")
    pending = application(page, people["resident"])
    as_user(client, people["resident"])
    assert client.post(thread_url(page), {"text": "Hi", "alignment": "neutral"}).status_code == 404
    client.force_login(people["official"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(decide_url(pending), {"decision": "approve", "reason": "Welcome."})
    assert Notification.objects.get().title == "You are a participant of the dialogue"
    client.force_login(people["resident"])
    assert client.post(thread_url(page), {"text": "Hi", "alignment": "neutral"}).status_code == 302


def test_staff_see_applications_with_pending_first_in_flat_queries(
    client, make_page, people, make_user, django_assert_max_num_queries
):
    page = make_page("dialogue")
    application(page, people["resident"], status="approved")
    application(page, people["ngo_member"])
    client.force_login(people["official"])
    with django_assert_max_num_queries(50) as small:
        html = client.get(page.url).text
    assert html.index("Ngo Member") < html.index("Resident")  # pending first
    assert "1 waiting" in html
    for n in range(20):
        application(page, make_user(), status=("pending", "approved", "declined")[n % 3])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(page.url)
