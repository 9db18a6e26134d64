"""Use cases of comments. The HTML views (and later websocket actions) call these; each checks
permissions through the target's registration and raises `CommentRefused` with a code and a
translated message. Every change and its live event are written in one transaction."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

import live
from meydan.accounts.rules import voice_organisations
from meydan.sanitize import render_plain
from moderation.models import FlagStatus

from . import targets
from .models import TEXT_MAX_LENGTH, Alignment, Comment, CommentLike

RATE_LIMIT = 30
RATE_WINDOW = timedelta(hours=1)


class CommentRefused(Exception):
    """A refused action; ``message`` is translated and shown to the user.

    Codes: ``invalid``, ``too_long`` (400); ``login_required``, ``forbidden``, ``own_comment``,
    ``edit_window`` (403); ``not_found`` (404); ``already_liked``, ``not_liked``, ``already_flagged``,
    ``already_deleted``, ``already_hidden``, ``bad_state`` (409); ``rate_limited`` (429).
    """

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# Payloads sent to browsers -------------------------------------------------------------------------


def comment_payload(comment):
    """What every subscriber of the target's topic may see about a comment."""
    if comment.is_deleted:
        return deleted_payload(comment)
    return {
        "id": comment.pk,
        "target": [comment.content_type_id, comment.object_id],
        "parent": comment.parent_id,
        "author": comment.author.public_name,
        "organisation": comment.organisation.name if comment.organisation_id else None,
        "html": str(render_plain(comment.text)),
        "alignment": comment.alignment,
        "created_at": comment.created_at.isoformat(),
        "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
        "like_count": comment.like_count,
    }


def deleted_payload(comment):
    return {"id": comment.pk, "target": [comment.content_type_id, comment.object_id], "parent": comment.parent_id}


def like_count(comment_id):
    return Comment.objects.filter(pk=comment_id).values_list("like_count", flat=True).first() or 0


# Helpers ---------------------------------------------------------------------------------------


def _registration(target):
    try:
        return targets.for_object(target)
    except targets.UnknownTarget:
        raise CommentRefused("not_found", _("Comments are not possible here.")) from None


def _target_of(comment):
    """The comment's target and its registration; a target that is gone or unregistered is unknown."""
    target = comment.target
    if target is None:
        raise CommentRefused("not_found", _("This comment no longer exists."))
    return _registration(target), target


def _require_viewer(user, registration, target):
    if not registration.can_view(user, target):
        raise CommentRefused("not_found", _("This comment no longer exists."))


def _require_commenter(user, registration, target):
    _require_viewer(user, registration, target)
    ok, message = registration.can_comment(user, target)
    if ok:
        return
    if not user.is_authenticated:
        raise CommentRefused("login_required", message or _("Log in to take part."))
    raise CommentRefused("forbidden", message or _("You may not comment here."))


def require_commenter(user, target):
    """Raise unless `user` may comment on `target` now (for showing the form as well as posting)."""
    registration = _registration(target)
    _require_commenter(user, registration, target)
    return registration


def _require_login(user, message):
    if not user.is_authenticated:
        raise CommentRefused("login_required", message)


def _is_moderator(user, registration, target):
    return user.is_authenticated and bool(registration.can_moderate(user, target))


def _clean_text(text):
    if not isinstance(text, str):
        raise CommentRefused("invalid", _("Write something before sending."))
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise CommentRefused("invalid", _("Write something before sending."))
    if "\x00" in text:
        raise CommentRefused("invalid", _("The text contains characters that cannot be stored."))
    if len(text) > TEXT_MAX_LENGTH:
        raise CommentRefused(
            "too_long",
            _("A comment may have at most %(limit)s characters; yours has %(length)s.")
            % {"limit": f"{TEXT_MAX_LENGTH:,}", "length": f"{len(text):,}"},
        )
    return text


def _clean_alignment(alignment):
    if alignment not in Alignment.values:
        raise CommentRefused("invalid", _("Choose for, against or neutral."))
    return alignment


def _reply_target(target_ct, target, parent_id):
    if parent_id is None:
        return None
    if isinstance(parent_id, bool) or not isinstance(parent_id, int):
        raise CommentRefused("invalid", _("The comment you reply to does not exist."))
    parent = (
        Comment.objects.filter(pk=parent_id, content_type=target_ct, object_id=target.pk)
        .select_related("parent")
        .first()
    )
    if parent is None or parent.is_deleted or parent.hidden:
        raise CommentRefused("not_found", _("The comment you reply to does not exist or was removed."))
    top = parent.parent or parent  # replies stay one level deep
    if top.is_deleted or top.hidden:
        raise CommentRefused("not_found", _("The comment you reply to does not exist or was removed."))
    return top


def _check_rate(user, now):
    # The row lock makes the limit hold for posts sent at the same moment (on PostgreSQL; SQLite
    # serialises writing transactions anyway).
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
    recent = Comment.objects.filter(author=user, created_at__gt=now - RATE_WINDOW).count()
    if recent >= RATE_LIMIT:
        raise CommentRefused(
            "rate_limited",
            _("You have written %(limit)s comments in the last hour. Please wait a while before writing more.")
            % {"limit": RATE_LIMIT},
        )


def _locked(comment):
    return Comment.objects.select_for_update(of=("self",)).select_related("author").get(pk=comment.pk)


def _publish(registration, target, type, payload):
    topic = registration.topic(target)
    if topic is not None:
        live.publish(topic, type, payload)


def _push_likes(registration, target, comment_id):
    topic = registration.topic(target)
    if topic is not None:
        live.coalesce(topic, "comments.likes", comment_id, lambda: like_count(comment_id))


def _require_visible(comment, message=None):
    if comment.is_deleted or comment.hidden:
        raise CommentRefused("not_found", message or _("This comment was removed."))


# Use cases -------------------------------------------------------------------------------------


def _voice(user, registration, organisation_id):
    """The organisation a comment speaks for, or None; refuses organisations the user may not speak for."""
    if not organisation_id:
        return None
    organisation = None
    if registration.organisation_voice and str(organisation_id).isdigit():
        organisation = voice_organisations(user).filter(pk=int(organisation_id)).first()
    if organisation is None:
        raise CommentRefused("forbidden", _("You can answer only for a verified organisation you administer."))
    return organisation


def post_comment(user, target, text, alignment=Alignment.NEUTRAL, parent_id=None, organisation_id=None):
    registration = _registration(target)
    _require_commenter(user, registration, target)
    organisation = _voice(user, registration, organisation_id)
    text = _clean_text(text)
    alignment = _clean_alignment(alignment)
    content_type = targets.content_type_of(target)
    with transaction.atomic():
        now = timezone.now()
        _check_rate(user, now)
        parent = _reply_target(content_type, target, parent_id)
        comment = Comment.objects.create(
            content_type=content_type,
            object_id=target.pk,
            author=user,
            organisation=organisation,
            parent=parent,
            alignment=alignment,
            text=text,
            created_at=now,
        )
        _publish(registration, target, "comments.new", comment_payload(comment))
    return comment


def require_editable(user, comment):
    """Raise unless `user` may edit `comment` now (for the edit form as well as the edit itself)."""
    registration, target = _target_of(comment)
    _require_login(user, _("Log in to edit your comment."))
    _require_viewer(user, registration, target)
    if comment.author_id != user.pk:
        raise CommentRefused("forbidden", _("Only the author may edit a comment."))
    if comment.is_deleted or comment.hidden:
        raise CommentRefused("bad_state", _("A deleted or hidden comment cannot be edited."))
    if not comment.is_editable_by(user):
        raise CommentRefused("edit_window", _("A comment can be edited only in the first 15 minutes after posting."))
    _require_commenter(user, registration, target)
    return registration, target


def edit_comment(user, comment, text, alignment=None):
    with transaction.atomic():
        comment = _locked(comment)
        registration, target = require_editable(user, comment)
        text = _clean_text(text)
        if alignment is not None:
            alignment = _clean_alignment(alignment)
        comment.text, comment.edited_at = text, timezone.now()
        fields = ["text", "edited_at"]
        if alignment is not None:
            comment.alignment = alignment
            fields.append("alignment")
        comment.save(update_fields=fields)
        _publish(registration, target, "comments.edited", comment_payload(comment))
    return comment


def can_delete(user, comment, registration=None, target=None):
    if not user.is_authenticated or comment.is_deleted:
        return False
    if comment.author_id == user.pk:
        return True
    if registration is None:
        registration, target = _target_of(comment)
    return _is_moderator(user, registration, target)


def delete_comment(user, comment):
    """The author or a moderator deletes: the row stays as a placeholder with its text wiped."""
    _require_login(user, _("Log in to delete your comment."))
    with transaction.atomic():
        comment = _locked(comment)
        registration, target = _target_of(comment)
        _require_viewer(user, registration, target)
        if comment.author_id != user.pk and not _is_moderator(user, registration, target):
            raise CommentRefused("forbidden", _("Only the author or a moderator may delete a comment."))
        if comment.is_deleted:
            raise CommentRefused("already_deleted", _("This comment was already deleted."))
        comment.is_deleted, comment.text = True, ""
        comment.save(update_fields=["is_deleted", "text"])
        # Nothing is left to judge: reports about the comment are settled.
        comment.flags.filter(status=FlagStatus.OPEN).update(status=FlagStatus.RESOLVED, resolved_at=timezone.now())
        _publish(registration, target, "comments.deleted", deleted_payload(comment))
    return comment


def like_comment(user, comment):
    registration, target = _target_of(comment)
    _require_commenter(user, registration, target)
    comment = Comment.objects.get(pk=comment.pk)
    _require_visible(comment)
    if comment.author_id == user.pk:
        raise CommentRefused("own_comment", _("You cannot like your own comment."))
    with transaction.atomic():
        try:
            with transaction.atomic():
                CommentLike.objects.create(comment=comment, user=user)
        except IntegrityError:
            raise CommentRefused("already_liked", _("You already like this comment.")) from None
        Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") + 1)
        _push_likes(registration, target, comment.pk)
    comment.refresh_from_db(fields=["like_count"])
    return comment


def unlike_comment(user, comment):
    registration, target = _target_of(comment)
    _require_login(user, _("Log in to take part."))
    _require_viewer(user, registration, target)
    with transaction.atomic():
        deleted, _rows = CommentLike.objects.filter(comment=comment, user=user).delete()
        if not deleted:
            raise CommentRefused("not_liked", _("You do not like this comment yet."))
        Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") - 1)
        _push_likes(registration, target, comment.pk)
    comment.refresh_from_db(fields=["like_count"])
    return comment


def require_flaggable(user, comment):
    registration, target = _target_of(comment)
    _require_login(user, _("Log in to report a comment."))
    _require_viewer(user, registration, target)
    _require_visible(comment)
    if comment.author_id == user.pk:
        raise CommentRefused("own_comment", _("You cannot report your own comment."))
    return registration, target


def flag_comment(user, comment, reason, text=""):
    """Report a comment to the moderators; once per person and comment. Reports are not public."""
    from moderation import reports

    return _through_moderation(reports.report, user, Comment.objects.get(pk=comment.pk), reason, text)


def require_moderator(user, comment):
    registration, target = _target_of(comment)
    _require_login(user, _("Log in to moderate."))
    if not _is_moderator(user, registration, target):
        raise CommentRefused("forbidden", _("Only moderators may hide comments."))
    return registration, target


def _through_moderation(service, *args):
    """Hiding and restoring go through the moderation log (guideline, reason, author told, appeal);
    its refusals come back as ours."""
    from moderation.services import ModerationRefused

    try:
        return service(*args)
    except ModerationRefused as refused:
        raise CommentRefused(refused.code, refused.message) from None


def hide_comment(user, comment, reason, rule="other"):
    """A moderator hides a comment under a guideline; its author still sees it, with the reason."""
    from moderation import services as moderation

    _through_moderation(moderation.hide, user, comment, rule, reason)
    comment.refresh_from_db()
    return comment


def restore_comment(user, comment, reason):
    from moderation import services as moderation

    _through_moderation(moderation.restore, user, comment, reason)
    comment.refresh_from_db()
    return comment


# Hooks for moderation.targets: called inside the moderation service's transaction, which has
# already checked the moderator, the guideline and the reason.


def apply_hide(user, comment, reason):
    comment = _locked(comment)
    registration, target = require_moderator(user, comment)
    if comment.hidden:
        raise CommentRefused("already_hidden", _("This comment is already hidden."))
    if comment.is_deleted:
        raise CommentRefused("already_deleted", _("This comment was already deleted."))
    now = timezone.now()
    comment.hidden, comment.hidden_reason, comment.hidden_by, comment.hidden_at = True, reason, user, now
    comment.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at"])
    # The reason is for the author only: subscribers learn just that the comment is gone.
    _publish(registration, target, "comments.hidden", deleted_payload(comment))
    return comment


def apply_restore(user, comment, reason):
    comment = _locked(comment)
    registration, target = require_moderator(user, comment)
    if not comment.hidden or comment.is_deleted:
        raise CommentRefused("bad_state", _("This comment is not hidden."))
    comment.hidden, comment.hidden_reason, comment.hidden_by, comment.hidden_at = False, "", None, None
    comment.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at"])
    _publish(registration, target, "comments.new", comment_payload(comment))
    return comment


def is_hidden(comment):
    return Comment.objects.filter(pk=comment.pk, hidden=True, is_deleted=False).exists()


def can_moderate(user, comment):
    try:
        registration, target = _target_of(comment)
    except CommentRefused:
        return False
    return _is_moderator(user, registration, target)


def url_of(comment):
    target = comment.target
    return f"{targets.url_of(target) if target is not None else '/'}#comment-{comment.pk}"
