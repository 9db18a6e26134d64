"""The information level's public Q&A: who may ask, answer and hide in which phase; what bad input
gets; overdue marking; hidden questions; the staff filter; and queries flat in the number of questions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from consultations.models import Question
from meydan.accounts.models import Membership
from meydan.notifications.models import Notification
from moderation.models import ModerationAction

pytestmark = pytest.mark.django_db

PHASES = ("upcoming", "open", "closed", "reported")
LOGIN = "Log in to take part."
NOT_OPEN = "This participation is not open"
STAFF_DO_NOT_ASK = "Officials responsible for this page answer questions"
ONLY_OFFICIALS = "Only officials of the responsible municipality or department may answer."
ONLY_MODERATORS = "Only the page&#x27;s moderators may hide questions."


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


def ask_url(page):
    return reverse("consultations:ask_question", args=[page.pk])


def question_url(name, question, page=None):
    return reverse(f"consultations:{name}_question", args=[(page or question.page).pk, question.pk])


def add_question(page, author, text="When will the park open?", **fields):
    return Question.objects.create(page=page, author=author, text=text, **fields)


# The policy at a glance ---------------------------------------------------------------------------

# Asking: residents and NGO people (editors and the communications office count as residents on the
# public site) while the page is open. Officials of the page answer rather than ask.
ASK_OPEN = {
    "anonymous": LOGIN,
    "resident": None,
    "ngo_member": None,
    "ngo_admin": None,
    "official": STAFF_DO_NOT_ASK,
    "editor": None,
    "comms_approver": None,
}


def ask_expectation(role, phase):
    if role == "anonymous":
        return LOGIN
    if phase != "open":
        return NOT_OPEN
    return ASK_OPEN[role]


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", list(ASK_OPEN))
def test_permission_grid_ask(client, make_page, people, role, phase):
    page = make_page("information", phase=phase)
    refusal = ask_expectation(role, phase)
    response = as_user(client, people[role]).post(ask_url(page), {"text": "Is the budget final?"})
    if refusal is None:
        assert response.status_code == 302
        question = Question.objects.get()
        assert (question.author, question.text, question.organisation) == (people[role], "Is the budget final?", None)
    else:
        assert response.status_code == 403
        assert refusal in response.text
        assert not Question.objects.exists()


# Answering and hiding: the page's officials (the department's here; the municipality's would too), in
# every phase: an overdue answer must still be possible after the page closes. Nobody else.
STAFF_ONLY = {
    "anonymous": False,
    "resident": False,
    "ngo_member": False,
    "ngo_admin": False,
    "official": True,
    "editor": False,
    "comms_approver": False,
}


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize(("role", "allowed"), STAFF_ONLY.items())
def test_permission_grid_answer(client, make_page, people, role, allowed, phase):
    page = make_page("information", phase=phase)
    question = add_question(page, people["resident"])
    response = as_user(client, people[role]).post(question_url("answer", question), {"text": "In May."})
    question.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert (question.answer, question.answered_by) == ("In May.", people[role])
        assert question.answered_at is not None
    else:
        assert response.status_code == 403
        assert ONLY_OFFICIALS in response.text
        assert (question.answer, question.answered_at) == ("", None)


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize(("role", "allowed"), STAFF_ONLY.items())
def test_permission_grid_hide(client, make_page, people, role, allowed, phase):
    page = make_page("information", phase=phase)
    question = add_question(page, people["resident"])
    response = as_user(client, people[role]).post(
        question_url("hide", question), {"rule": "personal_data", "reason": "Personal data"}
    )
    question.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert (question.hidden, question.hidden_reason) == (True, "Personal data")
    else:
        assert response.status_code == 403
        assert ONLY_MODERATORS in response.text
        assert (question.hidden, question.hidden_reason) == (False, "")


def test_a_municipal_moderator_may_hide_and_show_again(client, make_page, people, make_user, municipality):
    page = make_page("information")
    moderator = make_user()
    Membership.objects.create(user=moderator, organisation=municipality, role=Membership.Role.MODERATOR)
    question = add_question(page, people["resident"])
    client.force_login(moderator)
    assert client.post(question_url("hide", question), {"rule": "insult", "reason": "Insults"}).status_code == 302
    assert client.post(question_url("show", question), {"reason": " "}).status_code == 400
    assert client.post(question_url("show", question), {"reason": "Not an insult"}).status_code == 302
    question.refresh_from_db()
    assert (question.hidden, question.hidden_reason) == (False, "")
    # Both decisions are in the public moderation log, and the author was told of the first.
    log = ModerationAction.objects.filter(object_id=question.pk).order_by("pk")
    assert [(action.action, action.rule) for action in log] == [("hide", "insult"), ("restore", "insult")]
    # Moderating is not answering: that stays with the officials.
    assert client.post(question_url("answer", question), {"text": "x"}).status_code == 403


# Asking: bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "This field is required."),
        ("   \r\n  ", "This field is required."),
        ("x" * 1001, "At most 1,000 characters, please; this has 1,001."),
        ("a\x00b", "Null characters are not allowed."),
    ],
)
def test_bad_questions_get_400_with_a_message_and_keep_the_text(client, make_page, people, text, message):
    page = make_page("information")
    response = as_user(client, people["resident"]).post(ask_url(page), {"text": text})
    assert response.status_code == 400
    assert message in response.text
    assert "Please correct the form" in response.text
    assert not Question.objects.exists()
    if len(text) > 1000:
        assert text in response.text  # nothing the person wrote is lost


def test_line_breaks_count_once(client, make_page, people):
    page = make_page("information")
    text = ("x" * 9 + "\r\n") * 100  # 1,000 characters once CRLF counts as one line break
    response = as_user(client, people["resident"]).post(ask_url(page), {"text": text})
    assert response.status_code == 302
    assert len(Question.objects.get().text) == 999  # the trailing line break is stripped


def test_an_ngo_admin_asks_for_the_organisation(client, make_page, people, ngo):
    page = make_page("information")
    response = as_user(client, people["ngo_admin"]).post(
        ask_url(page), {"text": "Our question", "organisation": ngo.pk}
    )
    assert response.status_code == 302
    assert Question.objects.get().organisation == ngo
    html = client.get(page.url).text
    assert f"{ngo.name} (the organisation's question)" in html


@pytest.mark.parametrize("role", ["ngo_member", "resident"])
def test_speaking_for_an_organisation_one_does_not_administer_is_refused(client, make_page, people, ngo, role):
    page = make_page("information")
    response = as_user(client, people[role]).post(ask_url(page), {"text": "Q", "organisation": ngo.pk})
    assert response.status_code == 400
    assert "You can speak only for a verified organisation you administer." in response.text
    assert not Question.objects.exists()


def test_an_admin_cannot_speak_for_another_organisation(client, make_page, people, make_organisation):
    page = make_page("information")
    other = make_organisation(kind="ngo")
    response = as_user(client, people["ngo_admin"]).post(ask_url(page), {"text": "Q", "organisation": other.pk})
    assert response.status_code == 400
    assert not Question.objects.exists()


def test_asking_is_rate_limited(client, make_page, people):
    page = make_page("information")
    for n in range(10):
        add_question(page, people["resident"], text=f"Q{n}")
    response = as_user(client, people["resident"]).post(ask_url(page), {"text": "One more"})
    assert response.status_code == 429
    assert Question.objects.count() == 10


def test_unknown_or_draft_pages_are_404(client, make_page, people):
    page = make_page("information")
    client.force_login(people["resident"])
    assert client.post(reverse("consultations:ask_question", args=[page.pk + 999]), {"text": "Q"}).status_code == 404
    page.unpublish()
    assert client.post(ask_url(page), {"text": "Q"}).status_code == 404
    consultation = make_page("consultation")
    assert client.post(ask_url(consultation), {"text": "Q"}).status_code == 404
    assert not Question.objects.exists()


def test_questions_are_shown_as_escaped_plain_text_with_links(client, make_page, people):
    page = make_page("information")
    add_question(page, people["resident"], text="<script>alert(1)</script> see https://example.org/plan")
    html = client.get(page.url).text
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="https://example.org/plan"' in html


# Answering ---------------------------------------------------------------------------------------------


def test_answering_notifies_the_author_after_commit(
    client, make_page, people, django_capture_on_commit_callbacks, mailoutbox
):
    page = make_page("information")
    question = add_question(page, people["resident"])
    client.force_login(people["official"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(question_url("answer", question), {"text": "In May."})
    assert not Notification.objects.exists()  # nothing before the answer is safely stored
    for callback in callbacks:
        callback()
    notification = Notification.objects.get()
    assert notification.user == people["resident"]
    assert notification.title == "Your question was answered"
    assert notification.url.endswith(f"#question-{question.pk}")


def test_correcting_an_answer_keeps_the_first_date_and_records_the_old_text(
    client, make_page, people, django_capture_on_commit_callbacks
):
    page = make_page("information")
    question = add_question(page, people["resident"])
    client.force_login(people["official"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(question_url("answer", question), {"text": "In May."})
    question.refresh_from_db()
    first_answered_at = question.answered_at
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(question_url("answer", question), {"text": "In June, sorry."})
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.answer, question.answered_at) == ("In June, sorry.", first_answered_at)
    entry = ModelLogEntry.objects.get(action="consultations.answer_edited")
    assert (entry.user_id, entry.data["previous"]) == (people["official"].pk, "In May.")
    assert "corrected on" in client.get(page.url).text
    assert Notification.objects.filter(title="The answer to your question was corrected").exists()
    # The same text again is not a correction.
    assert client.post(question_url("answer", question), {"text": "In June, sorry."}).status_code == 409


@pytest.mark.parametrize(
    ("text", "status", "message"),
    [
        ("", 400, "This field is required."),
        ("x" * 5001, 400, "At most 5,000 characters, please; this has 5,001."),
    ],
)
def test_bad_answers_get_400_and_change_nothing(client, make_page, people, text, status, message):
    page = make_page("information")
    question = add_question(page, people["resident"])
    response = as_user(client, people["official"]).post(question_url("answer", question), {"text": text})
    assert response.status_code == status
    assert message in response.text
    question.refresh_from_db()
    assert question.answered_at is None


def test_answering_a_hidden_question_is_refused(client, make_page, people):
    page = make_page("information")
    question = add_question(page, people["resident"], hidden=True, hidden_reason="Spam")
    response = as_user(client, people["official"]).post(question_url("answer", question), {"text": "x"})
    assert response.status_code == 409
    assert "A hidden question cannot be answered." in response.text
    question.refresh_from_db()
    assert question.answered_at is None


def test_unknown_and_foreign_questions_are_404(client, make_page, people):
    page, other = make_page("information"), make_page("information")
    question = add_question(other, people["resident"])
    client.force_login(people["official"])
    # A question of another page, through this page's address.
    for name in ("answer", "hide", "show"):
        assert client.post(question_url(name, question, page=page), {"text": "x", "reason": "x"}).status_code == 404
    missing = reverse("consultations:answer_question", args=[page.pk, question.pk + 999])
    assert client.post(missing, {"text": "x"}).status_code == 404
    question.refresh_from_db()
    assert (question.answered_at, question.hidden) == (None, False)


def test_officials_of_another_municipality_may_not_answer(client, make_page, people, make_organisation, make_user):
    page = make_page("information")
    elsewhere = make_organisation(kind="municipality")
    stranger = make_user()
    Membership.objects.create(user=stranger, organisation=elsewhere, role=Membership.Role.ADMIN)
    question = add_question(page, people["resident"])
    client.force_login(stranger)
    assert client.post(question_url("answer", question), {"text": "x"}).status_code == 403
    assert client.post(question_url("hide", question), {"rule": "spam", "reason": "x"}).status_code == 403
    question.refresh_from_db()
    assert (question.answered_at, question.hidden) == (None, False)


# Hiding ---------------------------------------------------------------------------------------------


def test_hiding_needs_a_reason_and_happens_once(client, make_page, people):
    page = make_page("information")
    question = add_question(page, people["resident"])
    client.force_login(people["official"])
    assert client.post(question_url("hide", question), {"rule": "off_topic", "reason": " "}).status_code == 400
    assert client.post(question_url("hide", question), {"rule": "off_topic", "reason": "x" * 301}).status_code == 400
    assert client.post(question_url("hide", question), {"rule": "rude", "reason": "Off topic"}).status_code == 400
    assert client.post(question_url("hide", question), {"reason": "Off topic"}).status_code == 400
    question.refresh_from_db()
    assert not question.hidden
    assert client.post(question_url("hide", question), {"rule": "off_topic", "reason": "Off topic"}).status_code == 302
    response = client.post(question_url("hide", question), {"rule": "off_topic", "reason": "Again"})
    assert response.status_code == 409
    question.refresh_from_db()
    assert question.hidden_reason == "Off topic"


def test_a_reported_question_reaches_the_queue_and_hiding_settles_the_report(client, make_page, people):
    from moderation.models import Flag

    page = make_page("information")
    question = add_question(page, people["resident"], text="Komşumun telefonu 0555 000 00 00")
    report = reverse("moderation:report", args=["consultations.question", question.pk])
    assert report in as_user(client, people["ngo_member"]).get(page.url).text
    assert report not in as_user(client, people["resident"]).get(page.url).text  # nobody reports themselves
    response = as_user(client, people["ngo_member"]).post(report, {"reason": "personal_data"})
    assert response.status_code == 302
    queue = as_user(client, people["official"]).get(reverse("moderation:queue")).text
    assert "Komşumun telefonu" in queue
    client.post(question_url("hide", question), {"rule": "personal_data", "reason": "Bir telefon numarası var."})
    assert Flag.objects.get().status == "resolved"
    assert "Komşumun telefonu" not in client.get(reverse("moderation:queue")).text


def test_a_hidden_question_is_shown_to_its_author_with_the_reason_only(client, make_page, people, make_user):
    page = make_page("information")
    add_question(page, people["resident"], text="A rude question", hidden=True, hidden_reason="Insults")
    own = as_user(client, people["resident"]).get(page.url).text
    assert "A rude question" in own and "Insults" in own and "Only you and the moderators" in own
    client.logout()
    assert "A rude question" not in client.get(page.url).text
    assert "A rude question" not in as_user(client, people["ngo_member"]).get(page.url).text
    assert "Insults" in as_user(client, people["official"]).get(page.url).text


# Overdue and the staff filter -------------------------------------------------------------------------


def test_unanswered_questions_past_the_promised_time_are_marked_and_counted(client, make_page, people):
    page = make_page("information", answer_days=10)
    long_ago = timezone.now() - timedelta(days=11)
    add_question(page, people["resident"], text="Old and unanswered", created_at=long_ago)
    add_question(
        page,
        people["resident"],
        text="Old but answered",
        created_at=long_ago,
        answer="Yes.",
        answered_at=timezone.now(),
        answered_by=people["official"],
    )
    add_question(page, people["resident"], text="Hidden", created_at=long_ago, hidden=True, hidden_reason="Spam")
    add_question(page, people["resident"], text="Fresh")
    html = client.get(page.url).text
    due = timezone.localtime(long_ago + timedelta(days=10)).date()
    from django.utils.formats import date_format

    assert f"Answer overdue since {date_format(due, 'DATE_FORMAT')}" in html
    assert html.count("Answer overdue since") == 1
    assert "1 question has waited longer than promised for an answer." in html
    assert "Answer due by" in html  # the fresh one


def test_staff_filter_unanswered_questions(client, make_page, people):
    page = make_page("information")
    add_question(page, people["resident"], text="Still open")
    add_question(page, people["resident"], text="Done", answer="Yes.", answered_at=timezone.now())
    staff_view = as_user(client, people["official"]).get(page.url + "?show=unanswered").text
    assert "Still open" in staff_view and "Done" not in staff_view
    assert "Unanswered (1)" in staff_view
    # Others see every question, whatever the address says.
    resident_view = as_user(client, people["resident"]).get(page.url + "?show=unanswered").text
    assert "Still open" in resident_view and "Done" in resident_view
    assert "Unanswered (1)" not in resident_view


# Queries ---------------------------------------------------------------------------------------------


def _fill(page, people, organisation, count, start=0):
    now = timezone.now()
    for n in range(start, start + count):
        fields = {}
        if n % 2:
            fields.update(answer=f"Answer {n}", answered_at=now, answered_by=people["official"])
        if n % 3 == 0:
            fields["organisation"] = organisation
        if n % 5 == 0:
            fields.update(hidden=True, hidden_reason="Spam")
        add_question(page, people["resident"], text=f"Question {n}", **fields)


@pytest.mark.parametrize("role", ["anonymous", "resident", "official"])
def test_queries_do_not_grow_with_the_number_of_questions(
    client, make_page, people, ngo, role, django_assert_max_num_queries
):
    page = make_page("information")
    _fill(page, people, ngo, 3)
    as_user(client, people[role])
    with django_assert_max_num_queries(40) as small:
        assert client.get(page.url).status_code == 200
    _fill(page, people, ngo, 25, start=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(page.url).status_code == 200
