"""Reports about any moderated content: who may report what, once; hiding or dismissing closes them;
the moderators' queue shows them; the report form answers hostile input with a clear 4xx."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from meydan.audit import MODERATION
from moderation import queue, reports, services
from moderation.models import Flag, FlagStatus
from moderation.services import ModerationRefused

pytestmark = pytest.mark.django_db


def _report_url(obj):
    key = obj._meta.concrete_model._meta.label_lower
    return reverse("moderation:report", args=[key, obj.pk])


def _refusal(call):
    with pytest.raises(ModerationRefused) as refused:
        call()
    return refused.value.code


@pytest.fixture(params=["comment", "proposal", "live_comment"])
def content(request):
    return request.getfixturevalue(request.param)


def test_anyone_signed_in_reports_any_kind_of_content(content, resident):
    flag = reports.report(resident, content, "insult", "  Name calling\r\n ")
    assert (flag.content, flag.user, flag.reason, flag.text, flag.status) == (
        content,
        resident,
        "insult",
        "Name calling",
        FlagStatus.OPEN,
    )


def test_one_report_per_person_and_content(content, resident):
    reports.report(resident, content, "insult")
    assert _refusal(lambda: reports.report(resident, content, "spam", "again")) == "already_flagged"
    assert Flag.objects.get().reason == "insult"


def test_a_second_person_may_report_the_same_content(content, resident, make_user):
    reports.report(resident, content, "insult")
    reports.report(make_user(email="neighbour@example.org"), content, "spam")
    assert Flag.objects.filter(status=FlagStatus.OPEN).count() == 2


def test_the_database_refuses_a_second_report_even_without_the_service(proposal, resident):
    from django.db import IntegrityError, transaction

    reports.report(resident, proposal, "spam")
    content_type = ContentType.objects.get_for_model(proposal)
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.create(content_type=content_type, object_id=proposal.pk, user=resident, reason="insult")


@pytest.mark.parametrize(
    ("reason", "text", "code"),
    [
        ("", "", "invalid"),
        ("hate", "", "invalid"),
        ("<script>", "", "invalid"),
        ("insult", "x" * 501, "too_long"),
        ("insult", "a\x00b", "invalid"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_stored(proposal, resident, reason, text, code):
    assert _refusal(lambda: reports.report(resident, proposal, reason, text)) == code
    assert not Flag.objects.exists()


def test_nobody_reports_their_own_content(comment, live_comment, author):
    assert _refusal(lambda: reports.report(author, comment, "spam")) == "own_comment"
    assert _refusal(lambda: reports.report(author, live_comment, "spam")) == "own_content"
    assert not Flag.objects.exists()


def test_the_author_of_a_proposal_cannot_report_it(proposal):
    assert _refusal(lambda: reports.report(proposal.author, proposal, "spam")) == "own_content"


def test_anonymous_visitors_are_asked_to_log_in(proposal, anonymous):
    assert _refusal(lambda: reports.report(anonymous, proposal, "spam")) == "login_required"


def test_hidden_content_cannot_be_reported(live_comment, moderator, resident):
    services.hide(moderator, live_comment, "insult", "Hakaret")
    assert _refusal(lambda: reports.report(resident, live_comment, "insult")) == "already_hidden"


def test_a_merged_proposal_is_not_reported(proposal, resident, space):
    from proposals import services as proposals

    kept = proposals.create_proposal(resident, space, title="Sahile iki bank", body="<p>Daha çok yer.</p>")
    proposal.state, proposal.merged_into = proposal.State.MERGED, kept
    proposal.save(update_fields=["state", "merged_into"])
    assert _refusal(lambda: reports.report(resident, proposal, "spam")) == "merged"


def test_hiding_closes_the_open_reports(content, resident, moderator):
    reports.report(resident, content, "insult")
    services.hide(moderator, content, "insult", "Hakaret")
    flag = Flag.objects.get()
    assert flag.status == FlagStatus.RESOLVED and flag.resolved_at is not None


def test_a_moderator_dismisses_reports_and_it_is_audited(proposal, resident, moderator):
    from wagtail.models import ModelLogEntry

    reports.report(resident, proposal, "spam")
    assert reports.dismiss(moderator, proposal) == 1
    assert Flag.objects.get().status == FlagStatus.RESOLVED
    assert ModelLogEntry.objects.filter(action=MODERATION, data__action="dismiss_reports").count() == 1
    assert _refusal(lambda: reports.dismiss(moderator, proposal)) == "no_reports"


@pytest.mark.parametrize("who", ["resident", "other_moderator", "author"])
def test_only_the_contents_moderators_dismiss(request, proposal, resident, who):
    reports.report(resident, proposal, "spam")
    assert _refusal(lambda: reports.dismiss(request.getfixturevalue(who), proposal)) == "forbidden"
    assert Flag.objects.get().status == FlagStatus.OPEN


def test_the_queue_shows_reported_content_to_its_moderators_only(
    comment, proposal, live_comment, resident, moderator, other_moderator
):
    for item in (comment, proposal, live_comment):
        reports.report(resident, item, "insult", f"about {item.pk}")
    entries = queue.flagged(moderator)
    assert {type(entry.obj) for entry in entries} == {type(comment), type(proposal), type(live_comment)}
    live = next(entry for entry in entries if entry.obj == live_comment)
    assert live.flagged.count == 1 and live.flagged.reasons == [("insult", f"about {live_comment.pk}")]
    assert queue.flagged(other_moderator) == []
    assert queue.flagged(resident) == []


def test_deleting_content_deletes_its_reports(proposal, live_comment, resident):
    reports.report(resident, proposal, "spam")
    reports.report(resident, live_comment, "spam")
    live_comment.delete()
    assert list(Flag.objects.values_list("object_id", flat=True)) == [proposal.pk]


# The page -------------------------------------------------------------------------------------------


def test_the_report_form_is_shown_and_sent(client, proposal, resident):
    client.force_login(resident)
    page = client.get(_report_url(proposal))
    assert page.status_code == 200 and proposal.title in page.content.decode()
    response = client.post(_report_url(proposal), {"reason": "disinformation", "text": "Yanlış bilgi"})
    assert response.status_code == 302 and response.url == proposal.get_absolute_url()
    assert Flag.objects.get().text == "Yanlış bilgi"


def test_anonymous_visitors_are_sent_to_log_in(client, proposal):
    response = client.get(_report_url(proposal))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"reason": "nonsense"}, 400, "Choose a reason for the report."),
        ({"reason": "insult", "text": "x" * 501}, 400, "500"),
    ],
)
def test_bad_input_gets_the_form_back_with_the_message(client, proposal, resident, data, status, message):
    client.force_login(resident)
    response = client.post(_report_url(proposal), data)
    assert response.status_code == status and message in response.content.decode()
    assert not Flag.objects.exists()


def test_a_second_report_is_a_conflict_and_keeps_the_first(client, proposal, resident):
    client.force_login(resident)
    client.post(_report_url(proposal), {"reason": "spam"})
    response = client.post(_report_url(proposal), {"reason": "insult", "text": "again"})
    assert response.status_code == 409 and "already reported" in response.content.decode()
    assert list(Flag.objects.values_list("reason", "text")) == [("spam", "")]


def test_own_content_and_unknown_content_are_refused(client, live_comment, author, resident):
    client.force_login(author)
    assert client.get(_report_url(live_comment)).status_code == 403
    client.force_login(resident)
    assert client.get(reverse("moderation:report", args=["live.livecomment", 999999])).status_code == 404
    assert client.get(reverse("moderation:report", args=["accounts.user", resident.pk])).status_code == 404


def test_pages_link_to_the_report_form(client, proposal, live_comment, resident):
    client.force_login(resident)
    assert _report_url(proposal) in client.get(proposal.get_absolute_url()).content.decode()
    assert _report_url(live_comment) in client.get(live_comment.session.url).content.decode()
    client.force_login(live_comment.author)
    assert _report_url(live_comment) not in client.get(live_comment.session.url).content.decode()


def test_the_queue_page_dismisses_reports(client, proposal, resident, moderator):
    reports.report(resident, proposal, "spam", "Reklam")
    client.force_login(moderator)
    page = client.get(reverse("moderation:queue")).content.decode()
    assert proposal.title in page and "Reklam" in page
    content_type = ContentType.objects.get_for_model(proposal).pk
    response = client.post(reverse("moderation:dismiss", args=[content_type, proposal.pk]))
    assert response.status_code == 302
    assert proposal.title not in client.get(reverse("moderation:queue")).content.decode()


def test_a_resident_cannot_dismiss(client, proposal, resident):
    reports.report(resident, proposal, "spam")
    client.force_login(resident)
    content_type = ContentType.objects.get_for_model(proposal).pk
    assert client.post(reverse("moderation:dismiss", args=[content_type, proposal.pk])).status_code == 403
    assert Flag.objects.get().status == FlagStatus.OPEN
