"""Use cases of council sessions. The HTML views, the moderator console and the websocket actions
all call these; each checks permissions and raises `Refused` with a code and a translated message."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from meydan import audit
from meydan.sanitize import render_plain

from . import publish
from .actions import Refused
from .coalescing import coalesce
from .models import COMMENT_MAX_LENGTH, AgendaItem, CouncilSessionPage, LiveComment, Participant, Poll, PollAnswer
from .rules import can_moderate_session, comment_refusal, vote_refusal

POLL_MIN_OPTIONS, POLL_MAX_OPTIONS = 2, 6
Status = CouncilSessionPage.Status


# Payloads sent to browsers -------------------------------------------------------------------------


def comment_payload(comment):
    return {
        "id": comment.pk,
        "author": comment.author.public_name,
        "author_id": comment.author_id,
        "html": str(render_plain(comment.text)),
        "parent": comment.parent_id,
        "item": comment.agenda_item_id,
        "offset": comment.stream_offset,
        "pinned": comment.pinned,
        "at": comment.created_at.isoformat(),
    }


def item_payload(item):
    return {
        "id": item.pk,
        "title": item.title,
        "offset": item.offset,
        "started_at": item.started_at.isoformat() if item.started_at else None,
    }


def poll_results(poll_id):
    poll = Poll.objects.get(pk=poll_id)
    options = list(poll.options.annotate(votes=Count("answers")).values("id", "label", "votes"))
    return {
        "poll": poll.pk,
        "question": poll.question,
        "status": poll.status,
        "total": sum(option["votes"] for option in options),
        "options": options,
    }


# Helpers ---------------------------------------------------------------------------------------


def _locked_session(session):
    return CouncilSessionPage.objects.select_for_update().get(pk=session.pk)


def _require_moderator(user, session):
    if not can_moderate_session(user, session):
        raise Refused("forbidden", _("Only the session's moderators may do this."))


def _require_commenter(user, session):
    refusal = comment_refusal(user, session)
    if refusal:
        raise Refused(*refusal)


def _require_voter(user, session):
    refusal = vote_refusal(user, session)
    if refusal:
        raise Refused(*refusal)


# Moderation of the session -------------------------------------------------------------------------


def _audit(actor, session, kind=audit.STATE_CHANGE, **data):
    """The console's actions are staff actions: each is in the audit log, in the change's transaction."""
    audit.record(kind, actor=actor, target=session, data=data)


@transaction.atomic
def start_session(user, session):
    _require_moderator(user, session)
    session = _locked_session(session)
    if session.status != Status.SCHEDULED:
        raise Refused("bad_state", _("Only a scheduled session can be started."))
    session.status, session.started_at = Status.LIVE, timezone.now()
    session.save(update_fields=["status", "started_at"])
    _audit(user, session, status=session.status)
    publish(session.topic, "session.status", {"status": session.status, "started_at": session.started_at.isoformat()})
    return session


@transaction.atomic
def end_session(user, session):
    _require_moderator(user, session)
    session = _locked_session(session)
    if session.status != Status.LIVE:
        raise Refused("bad_state", _("Only a live session can be ended."))
    now = timezone.now()
    session.status, session.ended_at = Status.ENDED, now
    session.save(update_fields=["status", "ended_at"])
    AgendaItem.objects.filter(session=session, started_at__isnull=False, ended_at__isnull=True).update(ended_at=now)
    for poll in session.polls.filter(status=Poll.Status.OPEN):
        _close_poll(poll, now)
    _audit(user, session, status=session.status)
    publish(session.topic, "session.status", {"status": session.status, "ended_at": now.isoformat()})
    return session


@transaction.atomic
def advance_agenda(user, session, item_id):
    _require_moderator(user, session)
    session = _locked_session(session)
    if session.status != Status.LIVE:
        raise Refused("bad_state", _("The agenda moves only while the session is live."))
    item = AgendaItem.objects.filter(session=session, pk=item_id).first()
    if item is None:
        raise Refused("not_found", _("This agenda item does not belong to the session."))
    now = timezone.now()
    if session.current_item_id and session.current_item_id != item.pk:
        AgendaItem.objects.filter(pk=session.current_item_id, ended_at__isnull=True).update(ended_at=now)
    if item.started_at is None:
        item.started_at = now
        item.save(update_fields=["started_at"])
    session.current_item = item
    session.save(update_fields=["current_item"])
    _audit(user, session, agenda_item=item.pk)
    item.session = session
    publish(session.topic, "agenda.current", item_payload(item))
    return item


@transaction.atomic
def update_comment_settings(user, session, *, comments_open, slow_mode_seconds):
    _require_moderator(user, session)
    if not 0 <= slow_mode_seconds <= 3600:
        raise Refused("invalid", _("Slow mode must be between 0 and 3600 seconds."))
    session = _locked_session(session)
    session.comments_open, session.slow_mode_seconds = comments_open, slow_mode_seconds
    session.save(update_fields=["comments_open", "slow_mode_seconds"])
    _audit(user, session, comments_open=comments_open, slow_mode=slow_mode_seconds)
    publish(session.topic, "session.settings", {"comments_open": comments_open, "slow_mode": slow_mode_seconds})
    return session


@transaction.atomic
def ban_participant(user, session, target, reason):
    _require_moderator(user, session)
    reason = (reason or "").strip()
    if not reason:
        raise Refused("invalid", _("Give a reason; the person will see it."))
    Participant.objects.update_or_create(
        session=session, user=target, defaults={"banned": True, "ban_reason": reason[:300]}
    )
    _audit(user, session, audit.MODERATION, action="ban", user=target.pk, reason=reason[:300])


# Comments --------------------------------------------------------------------------------------


def _clean_text(text):
    text = (text or "").strip()
    if not text:
        raise Refused("invalid", _("Write something before sending."))
    if len(text) > COMMENT_MAX_LENGTH:
        raise Refused("too_long", _("A comment may have at most %(limit)d characters.") % {"limit": COMMENT_MAX_LENGTH})
    return text


def _reply_target(session, parent_id):
    if parent_id is None:
        return None
    parent = LiveComment.objects.filter(pk=parent_id, session=session, hidden=False).first()
    if parent is None:
        raise Refused("not_found", _("The comment you reply to does not exist or was hidden."))
    return parent.parent or parent  # replies stay one level deep


def _check_slow_mode(session, participant, now):
    if participant.banned:
        raise Refused(
            "banned",
            _("A moderator has stopped you from commenting in this session: %(reason)s")
            % {"reason": participant.ban_reason},
        )
    if session.slow_mode_seconds and participant.last_comment_at:
        wait = participant.last_comment_at + timedelta(seconds=session.slow_mode_seconds) - now
        if wait > timedelta(0):
            seconds = int(wait.total_seconds()) + 1
            raise Refused(
                "slow_mode", _("Slow mode is on: you can comment again in %(seconds)d seconds.") % {"seconds": seconds}
            )


@transaction.atomic
def post_comment(user, session, text, parent_id=None):
    _require_commenter(user, session)
    text = _clean_text(text)
    session = CouncilSessionPage.objects.get(pk=session.pk)
    if session.status != Status.LIVE or not session.comments_open:
        raise Refused("closed", _("Comments are closed for this session."))
    parent = _reply_target(session, parent_id)
    Participant.objects.get_or_create(session=session, user=user)
    # The row lock makes slow mode hold for two posts sent at the same moment.
    participant = Participant.objects.select_for_update().get(session=session, user=user)
    now = timezone.now()
    _check_slow_mode(session, participant, now)
    participant.last_comment_at = now
    participant.save(update_fields=["last_comment_at"])
    comment = LiveComment.objects.create(
        session=session,
        author=user,
        text=text,
        parent=parent,
        agenda_item_id=session.current_item_id,
        stream_offset=session.elapsed_seconds(now),
        created_at=now,
    )
    publish(session.topic, "comment.new", comment_payload(comment))
    return comment


def _through_moderation(service, *args):
    """Hiding and restoring go through the moderation log (guideline, reason, author told, appeal);
    its refusals come back as ours."""
    from moderation.services import ModerationRefused

    try:
        return service(*args)
    except ModerationRefused as refused:
        raise Refused(refused.code, refused.message) from None


def hide_comment(user, comment, reason, rule="other"):
    from moderation import services as moderation

    _through_moderation(moderation.hide, user, comment, rule, reason)
    comment.refresh_from_db()
    return comment


def restore_comment(user, comment, reason):
    from moderation import services as moderation

    _through_moderation(moderation.restore, user, comment, reason)
    comment.refresh_from_db()
    return comment


# Hooks for moderation.targets, inside the moderation service's transaction.


def apply_hide(user, comment, reason):
    comment = LiveComment.objects.select_for_update(of=("self",)).select_related("session").get(pk=comment.pk)
    _require_moderator(user, comment.session)
    if comment.hidden:
        raise Refused("already_hidden", _("This comment is already hidden."))
    comment.hidden, comment.hidden_reason, comment.hidden_by, comment.hidden_at = True, reason, user, timezone.now()
    comment.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at"])
    # Every open page removes it at once; the author's page shows the reason instead.
    publish(comment.session.topic, "comment.hidden", {"id": comment.pk, "reason": reason})
    return comment


def apply_restore(user, comment, reason):
    comment = (
        LiveComment.objects.select_for_update(of=("self",)).select_related("session", "author").get(pk=comment.pk)
    )
    _require_moderator(user, comment.session)
    if not comment.hidden:
        raise Refused("bad_state", _("This comment is not hidden."))
    comment.hidden, comment.hidden_reason, comment.hidden_by, comment.hidden_at = False, "", None, None
    comment.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at"])
    publish(comment.session.topic, "comment.new", comment_payload(comment))
    return comment


@transaction.atomic
def pin_comment(user, comment, pinned):
    _require_moderator(user, comment.session)
    if comment.hidden and pinned:
        raise Refused("bad_state", _("A hidden comment cannot be pinned."))
    LiveComment.objects.filter(pk=comment.pk).update(pinned=pinned)
    comment.pinned = pinned
    _audit(user, comment.session, comment=comment.pk, pinned=pinned)
    publish(comment.session.topic, "comment.pinned", {"id": comment.pk, "pinned": pinned})
    return comment


# Polls -----------------------------------------------------------------------------------------


@transaction.atomic
def open_poll(user, session, question, options):
    _require_moderator(user, session)
    question = (question or "").strip()
    options = [option.strip() for option in options if option and option.strip()]
    if not question or len(question) > 200:
        raise Refused("invalid", _("Ask a question of at most 200 characters."))
    if not POLL_MIN_OPTIONS <= len(options) <= POLL_MAX_OPTIONS or any(len(option) > 100 for option in options):
        raise Refused("invalid", _("Give between 2 and 6 answers of at most 100 characters each."))
    if len({option.casefold() for option in options}) != len(options):
        raise Refused("invalid", _("The answers must differ from each other."))
    session = _locked_session(session)
    if session.status != Status.LIVE:
        raise Refused("bad_state", _("Polls run only while the session is live."))
    poll = Poll.objects.create(
        session=session, agenda_item_id=session.current_item_id, question=question, opened_by=user
    )
    poll.options.bulk_create(
        [poll.options.model(poll=poll, label=label, position=n) for n, label in enumerate(options)]
    )
    _audit(user, session, poll=poll.pk, poll_status=poll.status)
    publish(session.topic, "poll.opened", poll_results(poll.pk))
    return poll


def _close_poll(poll, now):
    Poll.objects.filter(pk=poll.pk).update(status=Poll.Status.CLOSED, closed_at=now)
    publish(poll.session.topic, "poll.closed", poll_results(poll.pk))


@transaction.atomic
def close_poll(user, poll):
    _require_moderator(user, poll.session)
    poll = Poll.objects.select_for_update(of=("self",)).select_related("session").get(pk=poll.pk)
    if poll.status != Poll.Status.OPEN:
        raise Refused("bad_state", _("This poll is already closed."))
    _close_poll(poll, timezone.now())
    _audit(user, poll.session, poll=poll.pk, poll_status=Poll.Status.CLOSED)
    return poll


def answer_poll(user, poll_id, option_id):
    poll = Poll.objects.select_related("session").filter(pk=poll_id).first()
    if poll is None:
        raise Refused("not_found", _("There is no such poll."))
    _require_voter(user, poll.session)
    if poll.status != Poll.Status.OPEN:
        raise Refused("closed", _("This poll is closed."))
    option = poll.options.filter(pk=option_id).first()
    if option is None:
        raise Refused("invalid", _("Choose one of the poll's answers."))
    try:
        with transaction.atomic():
            answer = PollAnswer.objects.create(poll=poll, option=option, user=user)
            # Results are pushed a few times a second at most, however fast answers arrive.
            coalesce(poll.session.topic, "poll.results", poll.pk, lambda: poll_results(poll.pk))
    except IntegrityError:
        raise Refused("already_answered", _("You have already answered this poll.")) from None
    return answer
