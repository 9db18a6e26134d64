"""Reported comments for the moderators' queue (moderation/queue and, through it, the desk's inbox),
limited to the comments whose targets `user` moderates."""

from django.db.models import Count, Min, Q

from moderation import reports
from moderation.models import FlagStatus

from . import targets
from .models import Comment

# Reports are few and checked against each target's own moderation rule: this many comments are
# looked at, oldest report first; a longer backlog shows up as it is worked through.
SCAN_LIMIT = 500


def reported_comments(user, limit):
    """Visible comments with open reports that `user` may moderate, oldest report first; each has
    ``open_flags``, ``first_flag`` and ``open_reasons`` ([(reason, details)]).

    Costs three queries plus one per distinct target (its moderation rule), at most SCAN_LIMIT."""
    if not user.is_authenticated:
        return []
    comments = (
        Comment.objects.filter(flags__status=FlagStatus.OPEN, is_deleted=False, hidden=False)
        .annotate(
            open_flags=Count("flags", filter=Q(flags__status=FlagStatus.OPEN)),
            first_flag=Min("flags__created_at"),
        )
        .select_related("author", "content_type")
        .prefetch_related("target")
        .order_by("first_flag", "pk")[:SCAN_LIMIT]
    )
    allowed, memo = [], {}
    for comment in comments:
        target = comment.target
        if target is None:
            continue
        key = (comment.content_type_id, comment.object_id)
        if key not in memo:
            try:
                memo[key] = bool(targets.for_object(target).can_moderate(user, target))
            except targets.UnknownTarget:
                memo[key] = False
        if memo[key]:
            allowed.append(comment)
        if len(allowed) >= limit:
            break
    reasons = reports.open_reasons(Comment, [comment.pk for comment in allowed])
    for comment in allowed:
        comment.open_reasons = reasons.get(comment.pk, [])
    return allowed
