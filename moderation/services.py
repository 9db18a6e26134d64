"""Use cases of moderation: hide, restore, warn, suspend, appeal and decide an appeal.

Each writes one row of the append-only log in the same transaction as the change, and tells the
person concerned after commit (what was hidden, under which guideline, why, and where to appeal).
Refusals raise `ModerationRefused` with a code and a translated message:

``invalid``, ``too_long`` (400); ``login_required``, ``forbidden``, ``same_moderator``, ``own_content``
(403); ``not_found`` (404); ``already_hidden``, ``not_hidden``, ``already_appealed``, ``not_appealable``,
``already_decided``, ``bad_state`` and the apps' own conflict codes (409).
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meydan import audit
from meydan.notifications.services import notify
from meydan.pagecache import pages_changed

from . import targets
from .guidelines import Rule
from .models import (
    APPEAL_MAX_LENGTH,
    APPEALABLE,
    REASON_MAX_LENGTH,
    ActionKind,
    Appeal,
    AppealStatus,
    ModerationAction,
    Outcome,
    Suspension,
    forget_suspension,
)
from .rules import can_decide, can_moderate_accounts

MAX_SUSPENSION = timedelta(days=365)
EXCERPT_LENGTH = 200


class ModerationRefused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# Checks ------------------------------------------------------------------------------------------


def _registration(obj):
    try:
        return targets.for_object(obj)
    except targets.UnknownTarget:
        raise ModerationRefused("not_found", _("This content cannot be moderated here.")) from None


def _require_login(user):
    if not user or not user.is_authenticated:
        raise ModerationRefused("login_required", _("Log in to moderate."))


def _require_content_moderator(user, registration, obj):
    _require_login(user)
    if not registration.can_moderate(user, obj):
        raise ModerationRefused("forbidden", _("Only the moderators responsible for this content may do this."))


def _require_account_moderator(user):
    _require_login(user)
    if not can_moderate_accounts(user):
        raise ModerationRefused("forbidden", _("Only moderators may warn or suspend participants."))


def _clean_rule(rule):
    if rule not in Rule.values:
        raise ModerationRefused("invalid", _("Choose the guideline that was broken."))
    return rule


def _clean_text(text, limit, empty_message, too_long_message):
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(text, str) else ""
    if not text:
        raise ModerationRefused("invalid", empty_message)
    if "\x00" in text:
        raise ModerationRefused("invalid", _("The text contains characters that cannot be stored."))
    if len(text) > limit:
        raise ModerationRefused("too_long", too_long_message % {"limit": f"{limit:,}", "length": f"{len(text):,}"})
    return text


def _clean_reason(reason):
    return _clean_text(
        reason,
        REASON_MAX_LENGTH,
        _("Give a reason; the author will see it."),
        _("The reason may have at most %(limit)s characters; yours has %(length)s."),
    )


class _AppRefusals:
    """Turns the app's own refusal (it has `code` and `message`) into a ModerationRefused."""

    def __init__(self, registration):
        self.types = registration.refused

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is not None and self.types and issubclass(kind, self.types):
            raise ModerationRefused(error.code, error.message) from error
        return False


# The log and the messages ----------------------------------------------------------------------


def action_url(action):
    return reverse("moderation:action", kwargs={"pk": action.pk})


def _log(*, kind, rule, reason, moderator, outcome, author_id, obj=None, registration=None, appealed=None):
    action = ModerationAction.objects.create(
        content_type=registration.content_type() if obj is not None else None,
        object_id=obj.pk if obj is not None else None,
        action=kind,
        rule=rule,
        reason=reason,
        moderator=moderator,
        author_id=author_id,
        outcome=outcome,
        appealed_action=appealed,
    )
    audit.record(
        audit.MODERATION,
        actor=moderator,
        target=obj if obj is not None else action,
        data={"action": kind, "rule": rule, "outcome": outcome, "moderation_action": action.pk},
    )
    transaction.on_commit(pages_changed)  # the public log is cached for anonymous visitors
    return action


def _author(user_id):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


def _tell(user_id, title, body, url):
    """Notify after commit, in the recipient's language (title and body are callables)."""
    if not user_id:
        return

    def send():
        user = _author(user_id)
        if user is not None:
            # Evaluated by notify() under the recipient's language.
            notify([user], title=lazy(title, str)(), body=lazy(body, str)(), url=url)

    transaction.on_commit(send)


def _excerpt(registration, obj):
    text = " ".join(str(registration.excerpt(obj) or "").split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


def _appeal_line():
    return _("If you think this decision is wrong, you may appeal it once; another moderator will decide.")


# Content -----------------------------------------------------------------------------------------


def hide(moderator, obj, rule, reason):
    """Hide `obj` under a guideline with a reason the author sees."""
    registration = _registration(obj)
    _require_content_moderator(moderator, registration, obj)
    rule, reason = _clean_rule(rule), _clean_reason(reason)
    author_id = registration.author_of(obj)
    if author_id == moderator.pk:
        raise ModerationRefused("own_content", _("Another moderator must decide about your own content."))
    with transaction.atomic(), _AppRefusals(registration):
        registration.hide(moderator, obj, reason)
        _resolve_reports(registration, obj)
        action = _log(
            kind=ActionKind.HIDE,
            rule=rule,
            reason=reason,
            moderator=moderator,
            outcome=Outcome.HIDDEN,
            author_id=author_id,
            obj=obj,
            registration=registration,
        )
    excerpt, label = _excerpt(registration, obj), registration.label

    def body():
        return "\n".join(
            [
                _("What was hidden: “%(excerpt)s”") % {"excerpt": excerpt},
                _("Guideline: %(rule)s") % {"rule": Rule(rule).label},
                _("Reason: %(reason)s") % {"reason": reason},
                _appeal_line(),
            ]
        )

    _tell(author_id, lambda: _("A moderator hid your %(kind)s") % {"kind": label}, body, action_url(action))
    return action


def _resolve_reports(registration, obj):
    from .reports import resolve_open

    resolve_open(registration, obj)


def _last_hide(registration, obj):
    return (
        ModerationAction.objects.filter(
            content_type=registration.content_type(), object_id=obj.pk, action=ActionKind.HIDE
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def restore(moderator, obj, reason, rule=None):
    """Make hidden content visible again; the rule defaults to the one it was hidden under."""
    registration = _registration(obj)
    _require_content_moderator(moderator, registration, obj)
    reason = _clean_reason(reason)
    with transaction.atomic(), _AppRefusals(registration):
        if not registration.is_hidden(obj):
            raise ModerationRefused("not_hidden", _("This content is not hidden."))
        if rule is None:
            last = _last_hide(registration, obj)
            rule = last.rule if last else Rule.OTHER
        rule = _clean_rule(rule)
        registration.restore(moderator, obj, reason)
        author_id = registration.author_of(obj)
        action = _log(
            kind=ActionKind.RESTORE,
            rule=rule,
            reason=reason,
            moderator=moderator,
            outcome=Outcome.RESTORED,
            author_id=author_id,
            obj=obj,
            registration=registration,
        )
    label = registration.label
    _tell(
        author_id,
        lambda: _("Your %(kind)s is visible again") % {"kind": label},
        lambda: _("A moderator restored it: %(reason)s") % {"reason": reason},
        registration.url_of(obj),
    )
    return action


# Accounts ----------------------------------------------------------------------------------------


def _about(moderator, user, about):
    """The content a warning or suspension is about (optional): the moderator must moderate it and
    it must be the user's."""
    if about is None:
        _require_account_moderator(moderator)
        return None
    registration = _registration(about)
    _require_content_moderator(moderator, registration, about)
    if registration.author_of(about) != user.pk:
        raise ModerationRefused("invalid", _("This content was written by somebody else."))
    return registration


def _require_other(moderator, user):
    if user is None or not user.pk:
        raise ModerationRefused("not_found", _("This person does not exist."))
    if user.pk == moderator.pk:
        raise ModerationRefused("own_content", _("You cannot warn or suspend yourself."))


def warn(moderator, user, rule, reason, about=None):
    _require_login(moderator)
    registration = _about(moderator, user, about)
    _require_other(moderator, user)
    rule, reason = _clean_rule(rule), _clean_reason(reason)
    with transaction.atomic():
        action = _log(
            kind=ActionKind.WARN,
            rule=rule,
            reason=reason,
            moderator=moderator,
            outcome=Outcome.WARNED,
            author_id=user.pk,
            obj=about,
            registration=registration,
        )

    def body():
        return "\n".join(
            [
                _("Guideline: %(rule)s") % {"rule": Rule(rule).label},
                _("Reason: %(reason)s") % {"reason": reason},
                _appeal_line(),
            ]
        )

    _tell(user.pk, lambda: _("A moderator warned you"), body, action_url(action))
    return action


def suspend(moderator, user, until, rule, reason, about=None):
    """Stop `user` from writing anywhere until `until` (at most a year ahead); reading stays possible."""
    _require_login(moderator)
    registration = _about(moderator, user, about)
    _require_other(moderator, user)
    rule, reason = _clean_rule(rule), _clean_reason(reason)
    now = timezone.now()
    if until is None or timezone.is_naive(until) or until <= now:
        raise ModerationRefused("invalid", _("Choose an end date in the future."))
    if until > now + MAX_SUSPENSION:
        raise ModerationRefused("invalid", _("A suspension may last at most a year."))
    if user.is_superuser:
        raise ModerationRefused("forbidden", _("Site administrators cannot be suspended here."))
    with transaction.atomic():
        action = _log(
            kind=ActionKind.SUSPEND,
            rule=rule,
            reason=reason,
            moderator=moderator,
            outcome=Outcome.SUSPENDED,
            author_id=user.pk,
            obj=about,
            registration=registration,
        )
        Suspension.objects.create(user=user, until=until, reason=reason, action=action)
    transaction.on_commit(lambda: forget_suspension(user.pk))  # a check made meanwhile cached the old state

    def title():
        return _("Your account is suspended until %(date)s") % {
            "date": formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")
        }

    def body():
        return "\n".join(
            [
                _("You can still read everything, but you cannot write, support or vote until then."),
                _("Guideline: %(rule)s") % {"rule": Rule(rule).label},
                _("Reason: %(reason)s") % {"reason": reason},
                _appeal_line(),
            ]
        )

    _tell(user.pk, title, body, action_url(action))
    return action


# Appeals -----------------------------------------------------------------------------------------


def _already_appealed():
    return _("You have already appealed this decision; each decision can be appealed once.")


def require_appealable(user, action):
    """Raise unless `user` may appeal `action` now (for showing the form as well as sending it)."""
    if not user or not user.is_authenticated:
        raise ModerationRefused("login_required", _("Log in to appeal."))
    if action.author_id != user.pk:
        raise ModerationRefused("forbidden", _("Only the person concerned may appeal a decision."))
    if action.action not in APPEALABLE:
        raise ModerationRefused("not_appealable", _("This decision cannot be appealed."))
    if Appeal.objects.filter(action=action).exists():
        raise ModerationRefused("already_appealed", _already_appealed())
    if action.action == ActionKind.HIDE:
        content = action.content
        if content is None or not _registration(content).is_hidden(content):
            raise ModerationRefused("bad_state", _("This content is no longer hidden; there is nothing to appeal."))
    if action.action == ActionKind.SUSPEND:
        suspension = Suspension.objects.filter(action=action).first()
        if suspension is None or not suspension.active:
            raise ModerationRefused("bad_state", _("This suspension has ended; there is nothing to appeal."))


def appeal(user, action, text):
    """The person concerned appeals a hide, warning or suspension, once."""
    require_appealable(user, action)
    text = _clean_text(
        text,
        APPEAL_MAX_LENGTH,
        _("Explain why the decision should change."),
        _("An appeal may have at most %(limit)s characters; yours has %(length)s."),
    )
    try:
        with transaction.atomic():
            return Appeal.objects.create(action=action, user=user, text=text)
    except IntegrityError:
        # Two appeals sent at the same moment: the database keeps one.
        raise ModerationRefused("already_appealed", _already_appealed()) from None


def require_decider(user, appeal_obj):
    """Raise unless `user` may decide `appeal_obj`: a moderator of the content who did not take the
    decision under appeal and is not the appellant."""
    _require_login(user)
    action = appeal_obj.action
    if not can_decide(user, action):
        raise ModerationRefused("forbidden", _("Only the moderators responsible for this content may decide."))
    if action.moderator_id == user.pk:
        raise ModerationRefused(
            "same_moderator", _("You took the decision under appeal; a different moderator must decide the appeal.")
        )
    if appeal_obj.user_id == user.pk:
        raise ModerationRefused("forbidden", _("You cannot decide your own appeal."))


def _undo(moderator, action, reason):
    """Reverse an upheld decision; returns the outcome to log."""
    if action.action == ActionKind.HIDE:
        content = action.content
        if content is not None:
            registration = _registration(content)
            if registration.is_hidden(content):
                with _AppRefusals(registration):
                    registration.restore(moderator, content, reason)
        return Outcome.RESTORED
    if action.action == ActionKind.SUSPEND:
        Suspension.objects.filter(action=action, lifted_at__isnull=True).update(lifted_at=timezone.now())
        transaction.on_commit(lambda: forget_suspension(action.author_id))
        return Outcome.LIFTED
    return Outcome.WITHDRAWN


def decide_appeal(moderator, appeal_obj, upheld, reason):
    """A second moderator upholds the appeal (the decision is reversed) or rejects it (it stands);
    either way the decision is logged and the appellant told why."""
    _require_login(moderator)
    with transaction.atomic():
        appeal_obj = Appeal.objects.select_for_update().get(pk=appeal_obj.pk)
        require_decider(moderator, appeal_obj)
        if appeal_obj.status != AppealStatus.OPEN:
            raise ModerationRefused("already_decided", _("This appeal has already been decided."))
        reason = _clean_reason(reason)
        action = appeal_obj.action
        outcome = _undo(moderator, action, reason) if upheld else Outcome.STANDS
        content = action.content if action.content_type_id else None
        decision = _log(
            kind=ActionKind.APPEAL_UPHELD if upheld else ActionKind.APPEAL_REJECTED,
            rule=action.rule,
            reason=reason,
            moderator=moderator,
            outcome=outcome,
            author_id=action.author_id,
            obj=content,
            registration=_registration(content) if content is not None else None,
            appealed=action,
        )
        appeal_obj.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
        appeal_obj.decided_by, appeal_obj.decided_at, appeal_obj.decision_reason = moderator, timezone.now(), reason
        appeal_obj.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    outcome_label = Outcome(outcome).label
    title = gettext_lazy("Your appeal was upheld") if upheld else gettext_lazy("Your appeal was rejected")
    _tell(
        appeal_obj.user_id,
        lambda: str(title),
        lambda: "\n".join(
            [_("Outcome: %(outcome)s") % {"outcome": outcome_label}, _("Reason: %(reason)s") % {"reason": reason}]
        ),
        action_url(decision),
    )
    return decision
