"""The partnership level: the public record (working group, milestones, decision log, joint
statements) and the co-drafted documents, which only the working group and the page's officials read
and comment on."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from consultations.models import CoDraft, Decision, JointStatement, Milestone, PartnershipMember, PartnershipPage

pytestmark = pytest.mark.django_db

PHASES = ("upcoming", "open", "closed", "reported")
ROLES = ("anonymous", "resident", "ngo_member", "ngo_admin", "official", "editor", "comms_approver")
DRAFT_TEXT = "Article 1. The garden is run by its neighbours."
NOT_OPEN = "This participation is not open"


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


def thread_url(draft):
    return reverse("comments:post", args=[ContentType.objects.get_for_model(draft).pk, draft.pk])


@pytest.fixture
def partnership(make_page, ngo):
    """A partnership in a given phase whose working group is the people fixture's NGO, with a co-draft."""

    def make(phase="open", **fields):
        page = make_page("partnership", phase=phase, **fields)
        PartnershipMember.objects.create(page=page, organisation=ngo, role="Co-chair")
        draft = CoDraft.objects.create(page=page, title="Garden charter", body=f"<p>{DRAFT_TEXT}</p>")
        return page, draft

    return make


# The policy at a glance -------------------------------------------------------------------------------

# Reading a co-draft: members (any role) of the working group's organisations and the page's officials,
# in every phase. Co-drafts are working documents, not the group's position: everyone else gets 404.
READ = {
    "anonymous": False,
    "resident": False,
    "ngo_member": True,
    "ngo_admin": True,
    "official": True,
    "editor": False,
    "comms_approver": False,
}


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize(("role", "allowed"), READ.items())
def test_permission_grid_read_codraft(client, partnership, people, role, allowed, phase):
    page, draft = partnership(phase)
    response = as_user(client, people[role]).get(reverse("consultations:codraft", args=[draft.pk]))
    if allowed:
        assert response.status_code == 200
        assert DRAFT_TEXT in response.text
    else:
        assert response.status_code == 404
        assert DRAFT_TEXT not in response.text
    # The partnership page links the draft for the same people only.
    assert (draft.get_absolute_url() in as_user(client, people[role]).get(page.url).text) is allowed


# Commenting on a co-draft (through the comments app): the same people, while the partnership is open.
def comment_expectation(role, phase):
    if not READ[role]:
        return 404
    return 302 if phase == "open" else 403


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_grid_comment_codraft(client, partnership, people, role, phase):
    page, draft = partnership(phase)
    status = comment_expectation(role, phase)
    response = as_user(client, people[role]).post(
        thread_url(draft), {"text": "Add a rule on water", "alignment": "for"}
    )
    assert response.status_code == status
    assert Comment.objects.filter(text="Add a rule on water").exists() is (status == 302)
    if status == 403:
        assert NOT_OPEN in response.text


def test_a_member_organisation_comments_in_its_own_voice(client, partnership, people, ngo):
    page, draft = partnership()
    client.force_login(people["ngo_admin"])
    html = client.get(draft.get_absolute_url()).text
    assert "comment-form" in html and ngo.name in html
    response = client.post(thread_url(draft), {"text": "We agree", "alignment": "for", "organisation": ngo.pk})
    assert response.status_code == 302
    assert response.url.startswith(draft.get_absolute_url())
    assert Comment.objects.get().organisation == ngo


def test_a_member_cannot_speak_for_the_organisation(client, partnership, people, ngo):
    page, draft = partnership()
    response = as_user(client, people["ngo_member"]).post(
        thread_url(draft), {"text": "We agree", "alignment": "for", "organisation": ngo.pk}
    )
    assert response.status_code in (400, 403)
    assert not Comment.objects.exists()


def test_members_of_other_organisations_are_outsiders(client, partnership, make_user, make_organisation):
    page, draft = partnership()
    outsider = make_user()
    make_organisation(kind="ngo", members=[(outsider, "admin")])
    as_user(client, outsider)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.post(thread_url(draft), {"text": "x", "alignment": "neutral"}).status_code == 404
    assert not Comment.objects.exists()


def test_drafts_of_unpublished_pages_and_unknown_drafts_are_404(client, partnership, people):
    page, draft = partnership()
    client.force_login(people["ngo_member"])
    assert client.get(reverse("consultations:codraft", args=[draft.pk + 999])).status_code == 404
    page.unpublish()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.post(thread_url(draft), {"text": "x", "alignment": "neutral"}).status_code == 404
    assert not Comment.objects.exists()


# The public record -------------------------------------------------------------------------------


def test_the_public_page_shows_group_milestones_decisions_and_statements(client, partnership, make_organisation, ngo):
    page, draft = partnership()
    objector = make_organisation(kind="ngo", name="Kent Hakları Derneği")
    PartnershipMember.objects.create(page=page, organisation=objector)
    past, future = timezone.localdate() - timedelta(days=5), timezone.localdate() + timedelta(days=30)
    Milestone.objects.create(page=page, title="Site survey", due_on=past, status=Milestone.Status.DONE)
    Milestone.objects.create(page=page, title="Draft charter", due_on=past, status=Milestone.Status.IN_PROGRESS)
    Milestone.objects.create(page=page, title="Council vote", due_on=future)
    decision = Decision.objects.create(page=page, decided_on=date(2026, 4, 2), text="Open the garden at weekends.")
    Decision.agreed.through.objects.create(decision=decision, organisation=ngo)
    Decision.objected.through.objects.create(decision=decision, organisation=objector)
    JointStatement.objects.create(
        page=page, title="Our shared aims", published_on=date(2026, 4, 3), body="<p>Green for all.</p>"
    )
    html = client.get(page.url).text
    for text in (
        ngo.name,
        "Co-chair",
        objector.name,
        "Site survey",
        "In progress",
        "Council vote",
        "Planned",
        "Open the garden at weekends.",
        "Our shared aims",
        "Green for all.",
    ):
        assert text in html, text
    assert html.count("past its due date") == 1  # done milestones are not late
    decision_html = html.split("Open the garden at weekends.")[1]
    agreed, objected = decision_html.split("Objected")
    assert ngo.name in agreed and objector.name in objected.split("</dl>")[0]
    # Working documents: the public learns that they exist, not what they say or are called.
    assert "The working group is writing 1 document together." in html
    assert "Garden charter" not in html and DRAFT_TEXT not in html


def test_who_agreed_and_objected_is_kept_when_editors_publish_through_revisions(partnership, ngo):
    """The admin saves the decision log as page children through a revision."""
    page, _draft = partnership()
    page = PartnershipPage.objects.get(pk=page.pk)
    decision = Decision(decided_on=date(2026, 5, 1), text="Hire a gardener.")
    decision.agreed.set([ngo])
    page.decisions.add(decision)
    page.save_revision().publish()
    assert list(Decision.objects.get().agreed.all()) == [ngo]


def test_public_page_queries_do_not_grow_with_the_record(
    client, partnership, make_organisation, django_assert_max_num_queries
):
    page, _draft = partnership()

    def grow(count):
        for n in range(count):
            organisation = make_organisation(kind="ngo")
            PartnershipMember.objects.create(page=page, organisation=organisation)
            decision = Decision.objects.create(page=page, decided_on=date(2026, 1, 1), text=f"Decision {n}")
            Decision.agreed.through.objects.create(decision=decision, organisation=organisation)
            Decision.objected.through.objects.create(decision=decision, organisation=organisation)
            Milestone.objects.create(page=page, title=f"M{n}", due_on=date(2026, 1, 1))
            JointStatement.objects.create(page=page, title=f"S{n}", published_on=date(2026, 1, 1), body="<p>x</p>")

    grow(2)
    with django_assert_max_num_queries(40) as small:
        client.get(page.url)
    grow(15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(page.url)
