"""Publishing the outcome report, telling every contributor, and the public report page."""

import pytest
from django.core import mail
from django.urls import reverse

from consultations.models import ConsultationPage, Phase
from consultations.services import ParticipationRefused
from consultations.services import outcomes as services
from consultations.tests.conftest import ROLES
from meydan.notifications.models import Notification

from .test_outcomes_fixtures import *  # noqa: F403 - fixtures: consultation, official, residents, english
from .test_outcomes_fixtures import add_comment, add_outcome, add_paper, add_response, add_theme, login

pytestmark = pytest.mark.django_db
PHASES = ("upcoming", "open", "closed", "reported")

# Publishing the report, per role and phase. 302: published. 403: not theirs. 409: not now.
PUBLISH_POLICY = {
    #                  upcoming  open  closed  reported
    "anonymous": (403, 403, 403, 403),
    "resident": (403, 403, 403, 403),
    "ngo_member": (403, 403, 403, 403),
    "ngo_admin": (403, 403, 403, 403),
    "official": (409, 409, 302, 409),
    "editor": (403, 403, 403, 403),
    "comms_approver": (403, 403, 403, 403),
}
# Reading the report: public once published; before that, a preview for the officials only.
VIEW_POLICY = {
    #                  upcoming  open  closed  reported
    "anonymous": (404, 404, 404, 200),
    "resident": (404, 404, 404, 200),
    "ngo_member": (404, 404, 404, 200),
    "ngo_admin": (404, 404, 404, 200),
    "official": (200, 200, 200, 200),
    "editor": (404, 404, 404, 200),
    "comms_approver": (404, 404, 404, 200),
}


def _grid(policy):
    return [(role, phase, policy[role][n]) for role in ROLES for n, phase in enumerate(PHASES)]


@pytest.mark.parametrize(("role", "phase", "expected"), _grid(PUBLISH_POLICY))
def test_permission_grid_publish_report(client, people, consultation, role, phase, expected):
    page = consultation(phase)
    add_outcome(page, add_comment(page, 1, people["resident"]))
    before = page.report_published_at
    login(client, people[role])
    response = client.post(reverse("consultations:report_publish", args=[page.pk]), {"intro": "What we did."})
    page.refresh_from_db()
    if expected == 302:
        assert response.status_code == 302
        assert response.url == reverse("consultations:report", args=[page.pk])
        assert page.phase() == Phase.REPORTED and page.report_intro == "What we did."
    else:
        assert response.status_code == expected
        messages = {
            403: ("Log in to take part.", "Only the officials responsible"),
            409: ("still open", "already published"),
        }[expected]
        assert any(message in response.text for message in messages)
        assert page.report_published_at == before and page.report_intro == ""


@pytest.mark.parametrize(("role", "phase", "expected"), _grid(VIEW_POLICY))
def test_permission_grid_view_report(client, people, consultation, role, phase, expected):
    page = consultation(phase)
    comment = add_comment(page, 1, people["resident"], text="Plant plane trees")
    add_outcome(page, comment, reason="Planted in spring")
    login(client, people[role])
    response = client.get(reverse("consultations:report", args=[page.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert "Plant plane trees" in response.text and "Planted in spring" in response.text
        assert ("Preview: this report is not published yet." in response.text) == (phase != "reported")


def test_publishing_needs_an_outcome_for_every_contribution(people, consultation, official, ngo):
    page = consultation("closed")
    add_outcome(page, add_comment(page, 1, people["resident"]))
    add_comment(page, 2, people["resident"])
    add_paper(page, ngo, people["ngo_admin"])
    add_comment(page, 2, people["resident"], text="hidden", hidden=True, hidden_reason="spam")  # not counted
    with pytest.raises(ParticipationRefused) as refused:
        services.publish_report(official, page)
    assert refused.value.code == "bad_state"
    assert "2 contributions have no outcome yet" in refused.value.message
    page.refresh_from_db()
    assert page.report_published_at is None


def test_publishing_twice_is_refused_and_keeps_the_first_report(
    client, people, consultation, official, django_capture_on_commit_callbacks
):
    page = consultation("closed")
    add_outcome(page, add_comment(page, 1, people["resident"]))
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_report(official, page, intro="First")
    page.refresh_from_db()
    first = page.report_published_at
    login(client, official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("consultations:report_publish", args=[page.pk]), {"intro": "Second"})
    assert response.status_code == 409
    assert "already published" in response.text
    page.refresh_from_db()
    assert (page.report_published_at, page.report_intro) == (first, "First")
    assert Notification.objects.count() == 1  # nobody told twice


def test_over_long_intro_is_refused(client, people, consultation, official):
    page = consultation("closed")
    login(client, official)
    response = client.post(reverse("consultations:report_publish", args=[page.pk]), {"intro": "x" * 5001})
    assert response.status_code == 400
    page.refresh_from_db()
    assert page.report_published_at is None


def test_an_empty_consultation_can_report_that_nothing_came_in(people, consultation, official):
    page = consultation("closed")
    services.publish_report(official, page)
    page.refresh_from_db()
    assert page.phase() == Phase.REPORTED


def test_every_contributor_is_notified_exactly_once(
    people, consultation, official, ngo, make_user, residents, django_capture_on_commit_callbacks
):
    page = consultation("closed")
    commenter, respondent, everything = residents
    replier = make_user(email="replier@example.org")
    inactive = make_user(email="gone@example.org", is_active=False)
    hidden_only = make_user(email="hidden@example.org")
    bystander = make_user(email="bystander@example.org")
    elsewhere = make_user(email="elsewhere@example.org")

    for n in range(3):
        add_outcome(page, add_comment(page, 1 + n, commenter, text=f"idea {n}"))
    top = add_comment(page, 1, everything, text="everything")
    add_outcome(page, top)
    add_comment(page, 1, replier, text="a reply", parent=top)
    add_outcome(page, add_comment(page, 2, inactive, text="old account"))
    add_comment(page, 2, hidden_only, text="rude", hidden=True, hidden_reason="insult")
    add_outcome(page, add_paper(page, ngo, everything))
    add_outcome(page, add_theme(page))
    add_response(page, respondent)
    add_response(page, everything, organisation=ngo)
    add_response(page, None)  # an erased account's answer: nobody to tell
    other = consultation("closed")
    add_response(other, elsewhere)
    add_comment(other, 1, elsewhere)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.publish_report(official, page)
        assert not Notification.objects.exists()  # not before commit
    assert len(callbacks) >= 1

    told = sorted(Notification.objects.values_list("user__email", flat=True))
    assert told == sorted(user.email for user in (commenter, respondent, everything, replier))
    for user in (inactive, hidden_only, bystander, elsewhere, official):
        assert not Notification.objects.filter(user=user).exists()
    notification = Notification.objects.get(user=everything)
    assert notification.url == reverse("consultations:report", args=[page.pk])
    assert page.title in notification.title
    assert sorted(message.to[0] for message in mail.outbox) == told


def test_republishing_the_page_in_wagtail_keeps_the_report(people, consultation, official):
    page = consultation("closed")
    # An editor's draft, saved before the report and approved after it.
    page.title = "Edited after the report"
    page.save_revision()
    services.publish_report(official, page, intro="Kept")
    ConsultationPage.objects.get(pk=page.pk).get_latest_revision().publish()
    page = ConsultationPage.objects.get(pk=page.pk)
    assert page.title == "Edited after the report"
    assert page.report_published_at is not None and page.report_intro == "Kept"
    assert page.phase() == Phase.REPORTED


# The report page ------------------------------------------------------------------------------


def _build_report(page, people, ngo, residents):
    individual = residents[0]
    c1 = add_comment(page, 1, individual, text="Wider pavements please")
    c2 = add_comment(page, 2, people["ngo_admin"], text="The NGO asks for a bike lane", organisation=ngo)
    c3 = add_comment(page, 2, individual, text="=cmd|' /C calc'!A0")
    paper = add_paper(page, ngo, people["ngo_admin"], title="Bike plan", summary="Our bike plan.")
    theme = add_theme(page, title="Night buses", answer_count=57)
    add_outcome(page, c1, "adopted", "Pavements widened in section 2.")
    add_outcome(page, c2, "partly", "A painted lane, not a separate one.")
    add_outcome(page, c3, "out_of_scope", "Not about the draft.")
    add_outcome(page, paper, "not_adopted", "Budget is not available.")
    add_outcome(page, theme, "adopted", "Two new night lines.")
    return individual


def test_report_lists_by_paragraph_and_by_organisation_without_naming_individuals(
    client, people, consultation, ngo, residents
):
    page = consultation("reported", report_intro="")
    individual = _build_report(page, people, ngo, residents)
    text = client.get(reverse("consultations:report", args=[page.pk])).text

    by_paragraph = text[text.index('id="by-paragraph"') : text.index('id="papers"')]
    assert by_paragraph.index("Paragraph 1") < by_paragraph.index("Wider pavements please")
    assert by_paragraph.index("Wider pavements please") < by_paragraph.index("Paragraph 2")
    assert by_paragraph.index("Paragraph 2") < by_paragraph.index("The NGO asks for a bike lane")
    assert "Pavements widened in section 2." in by_paragraph and "Adopted" in by_paragraph
    assert "A participant" in by_paragraph and "Moda Doğa Derneği (official response)" in by_paragraph
    assert "Bike plan" in text and "Budget is not available." in text
    assert "Night buses" in text and "57 answers" in text and "Two new night lines." in text

    by_org = text[text.index('id="by-organisation"') :]
    assert "Moda Doğa Derneği" in by_org
    assert by_org.index("Bike plan") < by_org.index("The NGO asks for a bike lane")
    assert "Wider pavements" not in by_org  # individuals are not an organisation

    for private in (individual.email, individual.display_name, people["ngo_admin"].email, "Ayşe"):
        assert private not in text
    assert "&lt;" not in text or "<script" not in text


def test_report_page_shows_due_date_before_and_publication_date_after(client, people, consultation, official):
    page = consultation("closed")
    login(client, official)
    url = reverse("consultations:report", args=[page.pk])
    assert "Outcome report due on" in client.get(url).text
    services.publish_report(official, page)
    response = client.get(url)
    assert "Outcome report published on" in response.text and "Preview" not in response.text


def test_report_queries_do_not_grow_with_contributions(
    client, people, consultation, ngo, django_assert_max_num_queries
):
    page = consultation("reported")
    for n in range(3):
        add_outcome(page, add_comment(page, 1 + n % 3, people["resident"]))
    url = reverse("consultations:report", args=[page.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as small:
        client.get(url + "?a")
    assert len(small.captured_queries) >= 3  # the count is real, not an empty log
    for n in range(60):
        comment = add_comment(page, 1 + n % 3, people["resident"], organisation=ngo if n % 4 == 0 else None)
        add_outcome(page, comment)
    add_outcome(page, add_paper(page, ngo, people["ngo_admin"]))
    add_outcome(page, add_theme(page))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url + "?b")
    assert response.text.count('class="contribution"') == 65


def test_report_of_a_draft_page_is_404_even_for_staff(client, people, consultation, official):
    page = consultation("reported")
    page.unpublish()
    login(client, official)
    assert client.get(reverse("consultations:report", args=[page.pk])).status_code == 404
    assert client.get(reverse("consultations:report", args=[10**9])).status_code == 404
