"""Reports ("flags"): anyone signed in tells the moderators that some content breaks a guideline.

One report per person and content (a database constraint); never on one's own content or on
content already hidden. Hiding the content resolves its open reports; a moderator who finds the
content fine dismisses them (audited, not in the public log: nothing was decided about anyone).
Refusals are `ModerationRefused`: ``login_required``, ``own_content`` (403), ``not_found`` (404),
``invalid``, ``too_long`` (400), ``already_flagged``, ``already_hidden``, ``no_reports`` (409).
"""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from meydan import audit

from . import targets
from .guidelines import Rule
from .models import FLAG_TEXT_MAX_LENGTH, Flag, FlagStatus
from .services import ModerationRefused, _AppRefusals, _registration, _require_content_moderator


def require_reportable(user, obj):
    """Refuse when `user` may not report `obj`; returns its registration."""
    registration = _registration(obj)
    if not user or not user.is_authenticated:
        raise ModerationRefused("login_required", _("Log in to report content."))
    with _AppRefusals(registration):
        if registration.flaggable is not None:
            registration.flaggable(user, obj)
    if registration.author_of(obj) == user.pk:
        raise ModerationRefused("own_content", _("You cannot report your own contribution."))
    if registration.is_hidden(obj):
        raise ModerationRefused("already_hidden", _("The moderators have already hidden this."))
    return registration


def _clean_details(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(text, str) else ""
    if "\x00" in text:
        raise ModerationRefused("invalid", _("The text contains characters that cannot be stored."))
    if len(text) > FLAG_TEXT_MAX_LENGTH:
        raise ModerationRefused(
            "too_long", _("The details may have at most %(limit)s characters.") % {"limit": FLAG_TEXT_MAX_LENGTH}
        )
    return text


def report(user, obj, reason, text=""):
    """Report `obj` under a guideline, with optional details for the moderators."""
    registration = require_reportable(user, obj)
    if reason not in Rule.values:
        raise ModerationRefused("invalid", _("Choose a reason for the report."))
    text = _clean_details(text)
    try:
        with transaction.atomic():
            return Flag.objects.create(
                content_type=registration.content_type(), object_id=obj.pk, user=user, reason=reason, text=text
            )
    except IntegrityError:
        raise ModerationRefused("already_flagged", _("You have already reported this.")) from None


def _open_flags(registration, obj):
    return Flag.objects.filter(content_type=registration.content_type(), object_id=obj.pk, status=FlagStatus.OPEN)


def resolve_open(registration, obj):
    """Close the open reports about `obj` (it was hidden); inside the caller's transaction."""
    return _open_flags(registration, obj).update(status=FlagStatus.RESOLVED, resolved_at=timezone.now())


def dismiss(moderator, obj):
    """The moderator looked and the content may stay: close its open reports."""
    registration = _registration(obj)
    _require_content_moderator(moderator, registration, obj)
    with transaction.atomic():
        closed = resolve_open(registration, obj)
        if not closed:
            raise ModerationRefused("no_reports", _("There are no open reports about this."))
        audit.record(audit.MODERATION, actor=moderator, target=obj, data={"action": "dismiss_reports", "count": closed})
    return closed


# The moderators' queue ---------------------------------------------------------------------------


def open_reasons(model, object_ids):
    """{object id: [(rule, details)]} of the open reports about `model` rows, oldest first."""
    reasons = defaultdict(list)
    flags = Flag.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=object_ids, status=FlagStatus.OPEN
    ).order_by("created_at", "pk")
    for object_id, reason, text in flags.values_list("object_id", "reason", "text"):
        reasons[object_id].append((reason, text))
    return reasons


def flagged(registration, user, limit):
    """Reported, still visible content of one registered type that `user` moderates, oldest report
    first: the queue's default for types without a faster query of their own. Costs three queries
    plus the type's own moderation and visibility checks per item."""
    rows = (
        Flag.objects.filter(content_type=registration.content_type(), status=FlagStatus.OPEN)
        .values("object_id")
        .annotate(count=Count("pk"), first_at=Min("created_at"))
        .order_by("first_at", "object_id")[:limit]
    )
    rows = list(rows)
    objects = registration.model._default_manager.in_bulk([row["object_id"] for row in rows])
    found = []
    for row in rows:
        obj = objects.get(row["object_id"])
        if obj is not None and not registration.is_hidden(obj) and registration.can_moderate(user, obj):
            found.append((obj, row))
    reasons = open_reasons(registration.model, [obj.pk for obj, _row in found])
    return [targets.Flagged(obj, row["count"], row["first_at"], reasons[obj.pk]) for obj, row in found]
