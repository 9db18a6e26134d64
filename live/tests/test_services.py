"""Council session use cases: who may do what, in which state, and what the database guarantees."""

import pytest
from django.db import IntegrityError, transaction

from live import services
from live.actions import Refused
from live.models import CouncilSessionPage, Event, LiveComment, PollAnswer

pytestmark = pytest.mark.django_db


def events(session):
    return list(Event.objects.filter(topic__name=session.topic).order_by("sequence").values_list("type", flat=True))


@pytest.fixture
def resident(make_user):
    return make_user(email="resident@example.org", display_name="Selin", is_verified=True)


# Roles × actions --------------------------------------------------------------------------------

def user_with_role(role, make_user, municipality, make_organisation):
    from django.contrib.auth.models import AnonymousUser

    from meydan.accounts.models import Membership

    if role == "anonymous":
        return AnonymousUser()
    user = make_user()
    if role in ("admin", "official", "moderator", "member"):
        Membership.objects.create(user=user, organisation=municipality, role=role)
    elif role == "other_municipality_admin":
        Membership.objects.create(user=user, organisation=make_organisation(kind="municipality"), role="admin")
    return user


MAY_MODERATE = {"admin": True, "official": True, "moderator": True, "member": False, "citizen": False,
                "anonymous": False, "other_municipality_admin": False}


@pytest.mark.parametrize(("role", "allowed"), MAY_MODERATE.items())
def test_only_the_municipalitys_staff_run_the_session(
    council_session, make_user, municipality, make_organisation, role, allowed
):
    user = user_with_role(role, make_user, municipality, make_organisation)
    item = council_session.agenda_items.first()
    steps = [
        lambda: services.start_session(user, council_session),
        lambda: services.advance_agenda(user, council_session, item.pk),
        lambda: services.update_comment_settings(user, council_session, comments_open=False, slow_mode_seconds=5),
        lambda: services.open_poll(user, council_session, "Soru?", ["Evet", "Hayır"]),
        lambda: services.end_session(user, council_session),
    ]
    for step in steps:
        if allowed:
            step()
        else:
            with pytest.raises(Refused) as refusal:
                step()
            assert refusal.value.code == "forbidden"
    council_session.refresh_from_db()
    assert council_session.status == ("ended" if allowed else "scheduled")


# Session states -----------------------------------------------------------------------------------

def test_session_lifecycle_is_recorded_and_published(council_session, moderator):
    first, second = council_session.agenda_items.all()[:2]
    services.start_session(moderator, council_session)
    services.advance_agenda(moderator, council_session, first.pk)
    services.advance_agenda(moderator, council_session, second.pk)
    services.end_session(moderator, council_session)
    council_session.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert council_session.status == "ended" and council_session.started_at and council_session.ended_at
    assert first.started_at <= first.ended_at <= second.started_at <= second.ended_at
    assert council_session.current_item == second
    assert events(council_session) == ["session.status", "agenda.current", "agenda.current", "session.status"]


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (lambda m, s: services.end_session(m, s), "bad_state"),
        (lambda m, s: services.advance_agenda(m, s, s.agenda_items.first().pk), "bad_state"),
        (lambda m, s: services.open_poll(m, s, "Soru?", ["A", "B"]), "bad_state"),
    ],
)
def test_actions_that_need_a_live_session(council_session, moderator, action, code):
    with pytest.raises(Refused) as refusal:
        action(moderator, council_session)
    assert refusal.value.code == code
    assert events(council_session) == []


def test_an_ended_session_cannot_restart(live_session, moderator):
    services.end_session(moderator, live_session)
    with pytest.raises(Refused):
        services.start_session(moderator, live_session)


def test_every_console_action_is_in_the_audit_log(council_session, moderator, make_user):
    from wagtail.models import PageLogEntry

    from live.models import AgendaItem

    services.start_session(moderator, council_session)
    item = AgendaItem.objects.filter(session=council_session).first()
    if item is not None:
        services.advance_agenda(moderator, council_session, item.pk)
    services.update_comment_settings(moderator, council_session, comments_open=False, slow_mode_seconds=30)
    citizen = make_user()
    services.ban_participant(moderator, council_session, citizen, "Tekrar tekrar hakaret")
    poll = services.open_poll(moderator, council_session, "Park mı, otopark mı?", ["Park", "Otopark"])
    services.close_poll(moderator, poll)
    services.end_session(moderator, council_session)
    entries = PageLogEntry.objects.filter(page=council_session, action__startswith="meydan.").order_by("pk")
    assert {entry.user_id for entry in entries} == {moderator.pk}
    data = [entry.data for entry in entries]
    assert data[0]["status"] == "live" and data[-1]["status"] == "ended"
    assert {"comments_open": False, "slow_mode": 30}.items() <= data[2 if item else 1].items()
    ban = next(entry for entry in entries if entry.action == "meydan.moderation")
    assert (ban.data["action"], ban.data["user"]) == ("ban", citizen.pk)
    assert [d["poll_status"] for d in data if "poll" in d] == ["open", "closed"]
    assert len(entries) == (7 if item else 6)


def test_agenda_item_of_another_session_is_refused(live_session, moderator, municipality):
    from live.models import AgendaItem

    stranger = AgendaItem.objects.exclude(session=live_session).first()
    with pytest.raises(Refused) as refusal:
        services.advance_agenda(moderator, live_session, stranger.pk if stranger else 999_999)
    assert refusal.value.code == "not_found"


@pytest.mark.parametrize("seconds", [-1, 3601, 10**9])
def test_slow_mode_bounds(live_session, moderator, seconds):
    with pytest.raises(Refused):
        services.update_comment_settings(moderator, live_session, comments_open=True, slow_mode_seconds=seconds)


# Comments -----------------------------------------------------------------------------------------

def test_comment_is_stored_with_item_and_offset_and_published(live_session, moderator, resident):
    item = live_session.agenda_items.all()[1]
    services.advance_agenda(moderator, live_session, item.pk)
    comment = services.post_comment(resident, live_session, "  Bütçe ne kadar?  ")
    assert comment.text == "Bütçe ne kadar?"
    assert comment.agenda_item == item
    assert comment.stream_offset is not None and comment.stream_offset >= 0
    event = Event.objects.filter(topic__name=live_session.topic, type="comment.new").get()
    assert event.payload["id"] == comment.pk and event.payload["author"] == "Selin"
    assert event.payload["html"] == "<p>Bütçe ne kadar?</p>"


def test_comment_html_is_plain_text(live_session, resident):
    comment = services.post_comment(resident, live_session, '<img src=x onerror=alert(1)> https://example.org')
    html = services.comment_payload(comment)["html"]
    assert "<img" not in html and "&lt;img" in html
    assert 'href="https://example.org"' in html and 'rel="nofollow ugc noopener"' in html


# Who may comment and vote: the session's rules × kinds of people -------------------------------------

KINDS = ["anonymous", "unconfirmed", "confirmed", "verified", "suspended"]
RULES = ["anyone", "confirmed", "verified"]


def expected_refusal(kind, rule):
    if kind == "anonymous":
        return "login_required"
    if kind == "unconfirmed" and rule != "anyone":
        return "unconfirmed"
    if kind == "suspended":
        return "suspended"
    if rule == "verified" and kind != "verified":
        return "not_verified"
    return None


@pytest.fixture
def person(make_user, suspend):
    from django.contrib.auth.models import AnonymousUser

    def make(kind):
        if kind == "anonymous":
            return AnonymousUser()
        user = make_user(confirmed=kind != "unconfirmed", is_verified=kind in ("verified", "suspended"))
        return suspend(user) if kind == "suspended" else user

    return make


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("kind", KINDS)
def test_who_may_comment(live_session, person, kind, rule):
    CouncilSessionPage.objects.filter(pk=live_session.pk).update(commenters=rule, voters="verified")
    live_session.refresh_from_db()
    user, expected = person(kind), expected_refusal(kind, rule)
    if expected is None:
        services.post_comment(user, live_session, "Merhaba")
        assert LiveComment.objects.count() == 1
    else:
        with pytest.raises(Refused) as refusal:
            services.post_comment(user, live_session, "Merhaba")
        assert refusal.value.code == expected and refusal.value.message
        assert not LiveComment.objects.exists()


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("kind", KINDS)
def test_who_may_vote(live_session, moderator, person, kind, rule):
    CouncilSessionPage.objects.filter(pk=live_session.pk).update(voters=rule, commenters="verified")
    poll = services.open_poll(moderator, live_session, "Park?", ["Evet", "Hayır"])
    user, expected = person(kind), expected_refusal(kind, rule)
    if expected is None:
        services.answer_poll(user, poll.pk, poll.options.first().pk)
        assert PollAnswer.objects.count() == 1
    else:
        with pytest.raises(Refused) as refusal:
            services.answer_poll(user, poll.pk, poll.options.first().pk)
        assert refusal.value.code == expected and refusal.value.message
        assert not PollAnswer.objects.exists()


def test_commenting_and_voting_follow_their_own_rules(live_session, moderator, make_user):
    from django.utils import translation

    CouncilSessionPage.objects.filter(pk=live_session.pk).update(commenters="confirmed", voters="verified")
    live_session.refresh_from_db()
    poll = services.open_poll(moderator, live_session, "Park?", ["Evet", "Hayır"])
    citizen = make_user()
    services.post_comment(citizen, live_session, "Yorum yapabilirim")
    with translation.override("en"), pytest.raises(Refused) as refusal:
        services.answer_poll(citizen, poll.pk, poll.options.first().pk)
    assert refusal.value.message == "Only verified residents may vote in this session."
    CouncilSessionPage.objects.filter(pk=live_session.pk).update(commenters="verified", voters="confirmed")
    live_session.refresh_from_db()
    services.answer_poll(citizen, poll.pk, poll.options.first().pk)
    with translation.override("en"), pytest.raises(Refused) as refusal:
        services.post_comment(citizen, live_session, "Artık yapamam")
    assert refusal.value.message == "Only verified residents may comment in this session."


def test_new_sessions_ask_for_a_confirmed_address_and_the_database_only_known_rules(live_session):
    assert (live_session.commenters, live_session.voters) == ("confirmed", "confirmed")
    for field in ("commenters", "voters"):
        with pytest.raises(IntegrityError), transaction.atomic():
            CouncilSessionPage.objects.filter(pk=live_session.pk).update(**{field: "logged_in"})


@pytest.mark.parametrize("text", ["", "   \n  ", "x" * 1001])
def test_empty_or_long_comments_are_refused(live_session, resident, text):
    with pytest.raises(Refused) as refusal:
        services.post_comment(resident, live_session, text)
    assert refusal.value.code in ("invalid", "too_long")
    assert refusal.value.message


def test_a_comment_of_exactly_1000_characters_is_accepted(live_session, resident):
    assert len(services.post_comment(resident, live_session, "ç" * 1000).text) == 1000


def test_database_refuses_overlong_comments(live_session, resident):
    with pytest.raises(IntegrityError), transaction.atomic():
        LiveComment.objects.create(session=live_session, author=resident, text="x" * 1001)


def test_comments_while_closed_scheduled_or_ended(council_session, moderator, resident):
    with pytest.raises(Refused) as refusal:
        services.post_comment(resident, council_session, "too early")
    assert refusal.value.code == "closed"
    services.start_session(moderator, council_session)
    services.update_comment_settings(moderator, council_session, comments_open=False, slow_mode_seconds=0)
    with pytest.raises(Refused):
        services.post_comment(resident, council_session, "closed")
    services.update_comment_settings(moderator, council_session, comments_open=True, slow_mode_seconds=0)
    services.post_comment(resident, council_session, "open")
    services.end_session(moderator, council_session)
    with pytest.raises(Refused):
        services.post_comment(resident, council_session, "too late")
    assert LiveComment.objects.count() == 1


def test_slow_mode_is_enforced_on_the_server(live_session, moderator, resident, make_user):
    services.update_comment_settings(moderator, live_session, comments_open=True, slow_mode_seconds=30)
    services.post_comment(resident, live_session, "first")
    with pytest.raises(Refused) as refusal:
        services.post_comment(resident, live_session, "second")
    assert refusal.value.code == "slow_mode" and "30" in refusal.value.message
    services.post_comment(make_user(), live_session, "someone else is not slowed by Selin")
    assert LiveComment.objects.count() == 2


def test_replies_stay_one_level_deep(live_session, resident, make_user):
    top = services.post_comment(resident, live_session, "top")
    reply = services.post_comment(make_user(), live_session, "reply", parent_id=top.pk)
    reply_to_reply = services.post_comment(make_user(), live_session, "reply to reply", parent_id=reply.pk)
    assert reply.parent == top and reply_to_reply.parent == top


def test_replies_to_hidden_or_foreign_comments_are_refused(live_session, moderator, resident):
    top = services.post_comment(resident, live_session, "top")
    services.hide_comment(moderator, top, "Hakaret")
    with pytest.raises(Refused) as refusal:
        services.post_comment(resident, live_session, "reply", parent_id=top.pk)
    assert refusal.value.code == "not_found"
    with pytest.raises(Refused):
        services.post_comment(resident, live_session, "reply", parent_id=999_999)


def test_hiding_needs_a_moderator_and_a_reason(live_session, moderator, resident):
    comment = services.post_comment(resident, live_session, "spam spam")
    with pytest.raises(Refused):
        services.hide_comment(resident, comment, "my own")
    with pytest.raises(Refused):
        services.hide_comment(moderator, comment, "   ")
    services.hide_comment(moderator, comment, "Spam")
    comment.refresh_from_db()
    assert comment.hidden and comment.hidden_reason == "Spam" and comment.hidden_by == moderator
    event = Event.objects.filter(topic__name=live_session.topic, type="comment.hidden").get()
    assert event.payload == {"id": comment.pk, "reason": "Spam"}
    assert "spam spam" not in str(event.payload)


def test_hiding_logs_the_guideline_the_moderator_chose(live_session, moderator, resident):
    from moderation.models import ModerationAction

    comment = services.post_comment(resident, live_session, "Telefonu 0555 000 00 00")
    services.hide_comment(moderator, comment, "Telefon numarası", rule="personal_data")
    action = ModerationAction.objects.get()
    assert (action.action, action.rule, action.reason, action.object_id) == (
        "hide", "personal_data", "Telefon numarası", comment.pk
    )
    assert comment.hidden


@pytest.mark.parametrize("rule", ["", "rude", "Spam", None])
def test_hiding_under_an_unknown_guideline_is_refused_and_changes_nothing(live_session, moderator, resident, rule):
    from moderation.models import ModerationAction

    comment = services.post_comment(resident, live_session, "spam spam")
    with pytest.raises(Refused) as refusal:
        services.hide_comment(moderator, comment, "Spam", rule=rule)
    assert refusal.value.code == "invalid" and refusal.value.message
    comment.refresh_from_db()
    assert not comment.hidden and not ModerationAction.objects.exists()
    assert not Event.objects.filter(type="comment.hidden").exists()


def test_pinning(live_session, moderator, resident):
    comment = services.post_comment(resident, live_session, "Önemli soru")
    services.pin_comment(moderator, comment, True)
    comment.refresh_from_db()
    assert comment.pinned
    with pytest.raises(Refused):
        services.pin_comment(resident, comment, False)


def test_banned_participants_cannot_comment(live_session, moderator, resident):
    services.ban_participant(moderator, live_session, resident, "Tekrarlanan hakaret")
    with pytest.raises(Refused) as refusal:
        services.post_comment(resident, live_session, "again")
    assert refusal.value.code == "banned" and "Tekrarlanan hakaret" in refusal.value.message


# Polls --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "options",
    [["Evet"], ["A", "B", "C", "D", "E", "F", "G"], ["Evet", "evet"], ["A", "x" * 101], ["", "  "]],
)
def test_polls_need_two_to_six_distinct_answers(live_session, moderator, options):
    with pytest.raises(Refused):
        services.open_poll(moderator, live_session, "Soru?", options)


def test_one_answer_per_person(live_session, moderator, resident):
    poll = services.open_poll(moderator, live_session, "Park olsun mu?", ["Evet", "Hayır"])
    yes, no = poll.options.all()
    services.answer_poll(resident, poll.pk, yes.pk)
    with pytest.raises(Refused) as refusal:
        services.answer_poll(resident, poll.pk, no.pk)
    assert refusal.value.code == "already_answered"
    assert services.poll_results(poll.pk)["options"] == [
        {"id": yes.pk, "label": "Evet", "votes": 1}, {"id": no.pk, "label": "Hayır", "votes": 0}]
    with pytest.raises(IntegrityError), transaction.atomic():
        PollAnswer.objects.create(poll=poll, option=no, user=resident)


def test_answers_must_be_options_of_that_poll(live_session, moderator, resident):
    first = services.open_poll(moderator, live_session, "Bir?", ["A", "B"])
    second = services.open_poll(moderator, live_session, "İki?", ["C", "D"])
    with pytest.raises(Refused) as refusal:
        services.answer_poll(resident, first.pk, second.options.first().pk)
    assert refusal.value.code == "invalid"
    with pytest.raises(Refused):
        services.answer_poll(resident, 999_999, 1)


def test_closed_polls_take_no_answers_and_publish_final_results(live_session, moderator, resident):
    poll = services.open_poll(moderator, live_session, "Park?", ["Evet", "Hayır"])
    services.close_poll(moderator, poll)
    with pytest.raises(Refused) as refusal:
        services.answer_poll(resident, poll.pk, poll.options.first().pk)
    assert refusal.value.code == "closed"
    assert events(live_session)[-1] == "poll.closed"


def test_ending_the_session_closes_its_polls(live_session, moderator):
    poll = services.open_poll(moderator, live_session, "Park?", ["Evet", "Hayır"])
    services.end_session(moderator, live_session)
    poll.refresh_from_db()
    assert poll.status == "closed" and poll.closed_at is not None
