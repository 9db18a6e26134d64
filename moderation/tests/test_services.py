from datetime import timedelta

import pytest
from django.utils import timezone, translation

from comments import services as comment_services
from comments.models import Comment
from meydan.accounts.rules import account_refusal
from meydan.notifications.models import Notification
from moderation import services
from moderation.guidelines import Rule
from moderation.models import Appeal, AppendOnly, Flag, ModerationAction, Suspension
from moderation.services import ModerationRefused

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    # Messages are asserted in English; the site's default language is Turkish.
    with translation.override("en"):
        yield


def refused(code, service, *args, **kwargs):
    with pytest.raises(ModerationRefused) as error:
        service(*args, **kwargs)
    assert error.value.code == code, (error.value.code, error.value.message)
    assert error.value.message
    return error.value


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service and then its after-commit callbacks (the notifications)."""

    def run(service, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(*args, **kwargs)

    return run


# Hiding ------------------------------------------------------------------------------------------


def test_hiding_a_comment_logs_it_and_tells_the_author(comment, moderator, author, committed):
    action = committed(services.hide, moderator, comment, "insult", "Kişilere hakaret var.")
    comment.refresh_from_db()
    assert comment.hidden and comment.hidden_reason == "Kişilere hakaret var."
    assert (action.action, action.rule, action.outcome) == ("hide", "insult", "hidden")
    assert action.content == comment and action.author == author and action.moderator == moderator
    note = Notification.objects.get(user=author)
    assert note.title == "A moderator hid your comment"
    assert "Bu öneriyi yazanlar aptal." in note.body  # what was hidden (only the author gets this)
    assert "Insult or harassment" in note.body and "Kişilere hakaret var." in note.body
    assert "appeal" in note.body and note.url == f"/moderation/decisions/{action.pk}/"


ALLOWED = {"moderator": True, "municipality_admin": True, "superuser": True}


@pytest.mark.parametrize(
    "role", ["anonymous", "resident", "author", "other_moderator", "moderator", "municipality_admin", "superuser"]
)
@pytest.mark.parametrize("kind", ["comment", "live_comment", "proposal"])
def test_hide_permission_grid(request, role, kind):
    obj = request.getfixturevalue(kind)
    user = request.getfixturevalue(role)
    if ALLOWED.get(role):
        services.hide(user, obj, "spam", "Reklam")
        assert ModerationAction.objects.filter(action="hide", moderator=user).count() == 1
        obj.refresh_from_db()
        assert obj.state == "hidden" if kind == "proposal" else obj.hidden
    else:
        refused("login_required" if role == "anonymous" else "forbidden", services.hide, user, obj, "spam", "Reklam")
        obj.refresh_from_db()
        assert obj.state != "hidden" if kind == "proposal" else not obj.hidden
        assert not ModerationAction.objects.exists()


@pytest.mark.parametrize(
    ("rule", "reason", "code"),
    [
        ("", "Reklam", "invalid"),
        ("rudeness", "Reklam", "invalid"),
        (None, "Reklam", "invalid"),
        ("spam", "", "invalid"),
        ("spam", "   \n ", "invalid"),
        ("spam", None, "invalid"),
        ("spam", ["x"], "invalid"),
        ("spam", "a\x00b", "invalid"),
        ("spam", "x" * 301, "too_long"),
    ],
)
def test_hostile_hide_input_is_refused_and_changes_nothing(comment, moderator, rule, reason, code):
    refused(code, services.hide, moderator, comment, rule, reason)
    assert not Comment.objects.get(pk=comment.pk).hidden
    assert not ModerationAction.objects.exists()


def test_hiding_twice_and_restoring_visible_content_are_refused(comment, moderator):
    services.hide(moderator, comment, "spam", "Reklam")
    refused("already_hidden", services.hide, moderator, comment, "spam", "Yine")
    services.restore(moderator, comment, "Yanlış anlaşılma")
    refused("not_hidden", services.restore, moderator, comment, "Tekrar")
    assert list(ModerationAction.objects.order_by("pk").values_list("action", "rule")) == [
        ("hide", "spam"),
        ("restore", "spam"),  # restoring cites the rule it was hidden under
    ]


def test_a_moderator_cannot_hide_own_content(proposal, moderator):
    from proposals import services as proposal_services

    own = proposal_services.create_proposal(moderator, proposal.space, title="Benim önerim", body="<p>x</p>")
    refused("own_content", services.hide, moderator, own, "spam", "x")


def test_the_apps_own_entry_points_go_through_the_log(comment, live_comment, proposal, moderator):
    from live import services as live_services
    from live.models import Event
    from proposals import services as proposal_services

    comment_services.hide_comment(moderator, comment, "Hakaret", "insult")
    live_services.hide_comment(moderator, live_comment, "Hakaret")
    proposal_services.moderate_proposal(moderator, proposal, hidden=True, reason="Kişisel veri")
    proposal_services.moderate_proposal(moderator, proposal, hidden=False, reason="Düzeltildi")
    kinds = list(ModerationAction.objects.order_by("pk").values_list("content_type__model", "action"))
    assert kinds == [("comment", "hide"), ("livecomment", "hide"), ("proposal", "hide"), ("proposal", "restore")]
    # The live comment vanished from every open page at once: one event, without its text.
    event = Event.objects.get(type="comment.hidden")
    assert event.payload == {"id": live_comment.pk, "reason": "Hakaret"}


def test_restoring_a_live_comment_brings_it_back_live(live_comment, moderator):
    from live.models import Event

    services.hide(moderator, live_comment, "spam", "Reklam")
    services.restore(moderator, live_comment, "Yanlışlıkla")
    live_comment.refresh_from_db()
    assert not live_comment.hidden and live_comment.hidden_reason == ""
    assert Event.objects.filter(type="comment.new", payload__id=live_comment.pk).count() == 2


# The log is append-only --------------------------------------------------------------------------


def test_log_rows_cannot_be_changed_or_deleted(comment, moderator):
    action = services.hide(moderator, comment, "spam", "Reklam")
    action.reason = "changed"
    with pytest.raises(AppendOnly):
        action.save()
    with pytest.raises(AppendOnly):
        action.delete()
    assert ModerationAction.objects.get(pk=action.pk).reason == "Reklam"


def test_flag_reasons_are_the_guidelines():
    assert Flag.Reason is Rule
    assert Rule.values == ["insult", "spam", "disinformation", "personal_data", "off_topic", "other"]


# Appeals -----------------------------------------------------------------------------------------


@pytest.fixture
def hidden(comment, moderator):
    return services.hide(moderator, comment, "insult", "Hakaret")


@pytest.mark.parametrize(
    ("role", "code"),
    [("anonymous", "login_required"), ("resident", "forbidden"), ("moderator", "forbidden"), ("author", None)],
)
def test_appeal_grid(request, hidden, role, code):
    user = request.getfixturevalue(role)
    if code:
        refused(code, services.appeal, user, hidden, "Haksızlık")
        assert not Appeal.objects.exists()
    else:
        appeal = services.appeal(user, hidden, "Hakaret değil, eleştiri.")
        assert appeal.status == "open" and appeal.user == user


def test_appealing_twice_is_refused(hidden, author):
    services.appeal(author, hidden, "İlk itiraz")
    error = refused("already_appealed", services.appeal, author, hidden, "İkinci itiraz")
    assert "once" in error.message
    assert list(Appeal.objects.values_list("text", flat=True)) == ["İlk itiraz"]


@pytest.mark.parametrize(("text", "code"), [("", "invalid"), ("  ", "invalid"), ("x" * 1001, "too_long")])
def test_hostile_appeal_text(hidden, author, text, code):
    refused(code, services.appeal, author, hidden, text)
    assert not Appeal.objects.exists()


def test_restore_and_appeal_decisions_cannot_be_appealed(hidden, comment, moderator, author):
    restored = services.restore(moderator, comment, "Yanlışlık")
    refused("not_appealable", services.appeal, author, restored, "?")
    # Nor a hide that was reversed meanwhile: nothing left to appeal.
    refused("bad_state", services.appeal, author, hidden, "?")


@pytest.fixture
def appeal(hidden, author):
    return services.appeal(author, hidden, "Hakaret değil, eleştiri.")


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("anonymous", "login_required"),
        ("resident", "forbidden"),
        ("author", "forbidden"),
        ("other_moderator", "forbidden"),
        ("moderator", "same_moderator"),
    ],
)
def test_who_may_not_decide_an_appeal(request, appeal, role, code):
    user = request.getfixturevalue(role)
    error = refused(code, services.decide_appeal, user, appeal, True, "Haklı")
    if code == "same_moderator":
        assert "different moderator" in error.message
    appeal.refresh_from_db()
    assert appeal.status == "open"
    assert Comment.objects.get(pk=appeal.action.object_id).hidden
    assert ModerationAction.objects.count() == 1


def test_upheld_appeal_restores_and_is_logged(appeal, second_moderator, author, comment, committed):
    decision = committed(services.decide_appeal, second_moderator, appeal, True, "Eleştiri serbest.")
    comment.refresh_from_db()
    appeal.refresh_from_db()
    assert not comment.hidden
    assert appeal.status == "upheld" and appeal.decided_by == second_moderator
    assert (decision.action, decision.outcome, decision.appealed_action) == ("appeal_upheld", "restored", appeal.action)
    assert Notification.objects.filter(user=author, title="Your appeal was upheld").exists()
    refused("already_decided", services.decide_appeal, second_moderator, appeal, False, "Vazgeçtim")


def test_rejected_appeal_keeps_it_hidden_and_tells_why(appeal, municipality_admin, author, comment, committed):
    committed(services.decide_appeal, municipality_admin, appeal, False, "Açık bir hakaret.")
    comment.refresh_from_db()
    assert comment.hidden
    note = Notification.objects.get(user=author, title="Your appeal was rejected")
    assert "Açık bir hakaret." in note.body and "Decision stands" in note.body


def test_deciding_needs_a_reason(appeal, second_moderator):
    refused("invalid", services.decide_appeal, second_moderator, appeal, True, " ")
    appeal.refresh_from_db()
    assert appeal.status == "open"


# Warnings and suspensions ------------------------------------------------------------------------


def test_warning_and_its_appeal(moderator, second_moderator, author, committed):
    warning = committed(services.warn, moderator, author, "off_topic", "Konu dışı yazıyorsunuz.")
    assert warning.content is None and warning.outcome == "warned"
    assert Notification.objects.filter(user=author, title="A moderator warned you").exists()
    appeal = services.appeal(author, warning, "Konu ile ilgiliydi.")
    decision = services.decide_appeal(second_moderator, appeal, True, "Haklısınız")
    assert decision.outcome == "withdrawn"


@pytest.mark.parametrize("role", ["anonymous", "resident", "author"])
def test_only_moderators_warn_or_suspend(request, role, author, resident):
    user = request.getfixturevalue(role)
    victim = resident if role == "author" else author
    code = "login_required" if role == "anonymous" else "forbidden"
    refused(code, services.warn, user, victim, "spam", "x")
    refused(code, services.suspend, user, victim, timezone.now() + timedelta(days=1), "spam", "x")
    assert not ModerationAction.objects.exists() and not Suspension.objects.exists()


def test_ngo_admins_are_not_moderators(make_organisation, make_user, author):
    ngo_admin = make_user()
    make_organisation(kind="ngo", members=[(ngo_admin, "admin")])
    refused("forbidden", services.warn, ngo_admin, author, "spam", "x")


def test_suspension_stops_writing_everywhere_until_lifted(
    moderator, second_moderator, author, proposal, live_session, committed
):
    from live import services as live_services
    from live.actions import Refused
    from proposals import services as proposal_services
    from proposals.services import ProposalRefused

    until = timezone.now() + timedelta(days=7)
    action = committed(services.suspend, moderator, author, until, "insult", "Sürekli hakaret")
    code, message = account_refusal(author)
    assert code == "suspended" and "suspended until" in message and str(until.year) in message
    with pytest.raises(comment_services.CommentRefused):
        comment_services.post_comment(author, proposal, "Yine buradayım")
    with pytest.raises(Refused):
        live_services.post_comment(author, live_session, "Yine buradayım")
    with pytest.raises(ProposalRefused):
        proposal_services.support_proposal(author, proposal)
    assert Notification.objects.get(user=author).title.startswith("Your account is suspended until")
    # Appealing stays possible while suspended; a second moderator lifts it.
    appeal = services.appeal(author, action, "Bir daha olmayacak.")
    committed(services.decide_appeal, second_moderator, appeal, True, "İlk kez oldu.")
    assert account_refusal(author) is None
    comment_services.post_comment(author, proposal, "Teşekkürler")


def test_an_ended_suspension_refuses_nothing(moderator, author):
    action = services.suspend(moderator, author, timezone.now() + timedelta(days=1), "spam", "Reklam")
    Suspension.objects.filter(action=action).update(until=timezone.now() - timedelta(seconds=1))
    from moderation.models import forget_suspension

    forget_suspension(author.pk)
    assert account_refusal(author) is None


@pytest.mark.parametrize(
    "until",
    [None, timedelta(days=-1), timedelta(days=366)],
)
def test_suspension_periods(moderator, author, until):
    end = timezone.now() + until if until is not None else None
    refused("invalid", services.suspend, moderator, author, end, "spam", "Reklam")
    assert not Suspension.objects.exists()


def test_moderators_cannot_suspend_themselves_or_administrators(moderator, superuser):
    refused("own_content", services.suspend, moderator, moderator, timezone.now() + timedelta(days=1), "spam", "x")
    refused("forbidden", services.suspend, moderator, superuser, timezone.now() + timedelta(days=1), "spam", "x")


def test_suspension_check_costs_at_most_one_query(moderator, author, django_assert_max_num_queries, committed):
    account_refusal(author)
    with django_assert_max_num_queries(0):
        account_refusal(author)  # cached
    committed(services.suspend, moderator, author, timezone.now() + timedelta(days=2), "spam", "Reklam")
    with django_assert_max_num_queries(1):
        assert account_refusal(author)[0] == "suspended"


def test_every_moderation_decision_is_also_in_the_audit_log(comment, moderator):
    from wagtail.models import ModelLogEntry

    services.hide(moderator, comment, rule="insult", reason="Insulting another resident")
    entry = ModelLogEntry.objects.get(action="meydan.moderation")
    assert entry.user_id == moderator.pk
    assert entry.data["action"] == "hide" and entry.data["rule"] == "insult"
