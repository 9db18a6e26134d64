"""Reading a thread for a page: a fixed number of queries however many comments there are (top-level
comments with their authors, replies with theirs in one prefetch, and the reader's likes in one)."""

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import targets
from .models import Comment, CommentLike

SORT_PARAM = "comments_sort"
REPLY_PARAM = "reply"
SORTS = {
    "newest": (_("Newest first"), ("-created_at", "-pk")),
    "oldest": (_("Oldest first"), ("created_at", "pk")),
    "likes": (_("Most liked"), ("-like_count", "-created_at", "-pk")),
}
DEFAULT_SORT = "newest"


def sort_of(value):
    return value if value in SORTS else DEFAULT_SORT


def build(target, user, *, sort=DEFAULT_SORT, reply_to=None):
    """Everything the thread template needs about `target`'s comments, as seen by `user`.

    Each shown comment gets the attributes the template reads: ``shown_replies``, ``is_own``,
    ``liked``, ``can_like``, ``can_edit``, ``can_delete``, ``can_flag``, ``can_hide``,
    ``hidden_placeholder``.
    """
    registration = targets.for_object(target)
    content_type = targets.content_type_of(target)
    authenticated = user.is_authenticated
    may_comment, refusal = registration.can_comment(user, target)
    moderator = authenticated and bool(registration.can_moderate(user, target))

    # A hidden comment is shown to its author only (with the moderator's reason).
    visible = Q(hidden=False) | Q(author_id=user.pk) if authenticated else Q(hidden=False)
    replies = Comment.objects.filter(visible).select_related("author", "organisation").order_by("created_at", "pk")
    top_level = list(
        Comment.objects.filter(content_type=content_type, object_id=target.pk, parent__isnull=True)
        .select_related("author", "organisation")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="shown_replies"))
        .order_by(*SORTS[sort_of(sort)][1])
    )
    liked = set()
    if authenticated and top_level:
        liked = set(
            CommentLike.objects.filter(
                user=user, comment__content_type=content_type, comment__object_id=target.pk
            ).values_list("comment_id", flat=True)
        )

    now = timezone.now()

    def annotate(comment):
        own = authenticated and comment.author_id == user.pk
        present = not comment.is_deleted and not comment.hidden
        comment.is_own = own
        comment.liked = comment.pk in liked
        comment.can_like = bool(may_comment) and present and not own
        comment.can_edit = bool(may_comment) and comment.is_editable_by(user, now)
        comment.can_delete = authenticated and not comment.is_deleted and (own or moderator)
        comment.can_flag = authenticated and present and not own
        comment.can_hide = moderator and present
        comment.can_reply = bool(may_comment) and present
        comment.hidden_placeholder = comment.hidden and not own
        return comment

    comments, count, reply_comment = [], 0, None
    for comment in top_level:
        if comment.hidden and not (authenticated and comment.author_id == user.pk) and not comment.shown_replies:
            continue  # a hidden comment without replies leaves no trace for others
        annotate(comment)
        comments.append(comment)
        for reply in comment.shown_replies:
            annotate(reply)
        for shown in (comment, *comment.shown_replies):
            count += not shown.is_deleted and not shown.hidden
            if reply_to is not None and shown.pk == reply_to and shown.can_reply:
                reply_comment = shown

    return {
        "registration": registration,
        "content_type_id": content_type.pk,
        "object_id": target.pk,
        "comments": comments,
        "count": count,
        "can_comment": bool(may_comment),
        "refusal": refusal,
        "can_moderate": moderator,
        "reply_to": reply_comment,
        "sort": sort_of(sort),
    }
