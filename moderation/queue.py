"""What waits for a moderator: content with open reports (from every registered content type that
has reports) and open appeals they may decide. Used by /moderation/queue/ and the desk's inbox."""

from dataclasses import dataclass

from . import reports, targets
from .models import Appeal, AppealStatus, Flag, FlagStatus
from .rules import can_decide, is_moderator_anywhere

SCAN_LIMIT = 500


@dataclass
class FlaggedEntry:
    registration: object
    flagged: targets.Flagged

    @property
    def obj(self):
        return self.flagged.obj


def flagged(user, limit=SCAN_LIMIT):
    if not is_moderator_anywhere(user):
        return []
    entries = []
    # One query says which kinds of content have open reports; only those are looked at.
    reported = set(Flag.objects.filter(status=FlagStatus.OPEN).values_list("content_type_id", flat=True).distinct())
    for registration in targets.registered():
        if registration.content_type().pk not in reported:
            continue
        if registration.flagged is not None:
            items = registration.flagged(user, limit)
        else:
            items = reports.flagged(registration, user, limit)
        entries += [FlaggedEntry(registration, item) for item in items]
    entries.sort(key=lambda entry: entry.flagged.first_at)
    return entries


def open_appeals(user, limit=SCAN_LIMIT):
    """Open appeals `user` may decide (or could, were it not their own decision: marked ``own``)."""
    if not is_moderator_anywhere(user):
        return []
    appeals = (
        Appeal.objects.filter(status=AppealStatus.OPEN)
        .select_related("action__content_type")
        .prefetch_related("action__content")
        .order_by("created_at", "pk")[:limit]
    )
    allowed, memo = [], {}
    for appeal in appeals:
        action = appeal.action
        key = (action.content_type_id, action.object_id)
        if key not in memo:
            memo[key] = can_decide(user, action)
        if memo[key] and appeal.user_id != user.pk:
            appeal.own = action.moderator_id == user.pk
            registration = targets.for_content_type(action.content_type)
            appeal.kind_label = registration.label if registration else None
            allowed.append(appeal)
    return allowed
