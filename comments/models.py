"""Comments on any registered target (a generic relation) and their likes; reports about them are
moderation.Flag rows (Comment.flags)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meydan.sanitize import render_plain

TEXT_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 300
EDIT_WINDOW = timedelta(minutes=15)


class Alignment(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    NEUTRAL = "neutral", _("Neutral")


class Comment(models.Model):
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("content type"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    target = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE, related_name="comments"
    )
    # Threads are two levels deep: a reply to a reply is attached to the top-level comment.
    parent = models.ForeignKey(
        "self", verbose_name=_("reply to"), null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    # Set when an organisation's admin answers for it: the comment is the organisation's official response.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    alignment = models.CharField(_("position"), max_length=10, choices=Alignment.choices, default=Alignment.NEUTRAL)
    text = models.TextField(_("comment"), max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    # Deleting keeps the row with its text wiped, so that the replies stay in their thread.
    is_deleted = models.BooleanField(_("deleted"), default=False)
    hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=REASON_MAX_LENGTH, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    # Kept exact: changed with F() in the transaction that adds or removes the CommentLike row.
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    # Reports live in the moderation app with those on every other kind of content.
    flags = GenericRelation("moderation.Flag")

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"], name="comments_target_created"),
            models.Index(fields=["author", "created_at"], name="comments_author_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), TEXT_MAX_LENGTH), name="comments_comment_max_length"
            ),
            models.CheckConstraint(condition=Q(is_deleted=True) | ~Q(text=""), name="comments_comment_not_empty"),
            models.CheckConstraint(condition=Q(is_deleted=False) | Q(text=""), name="comments_deleted_text_wiped"),
            models.CheckConstraint(condition=Q(alignment__in=Alignment.values), name="comments_comment_alignment"),
            models.CheckConstraint(condition=Q(like_count__gte=0), name="comments_comment_likes_not_negative"),
            models.CheckConstraint(
                condition=Q(hidden=False) | ~Q(hidden_reason=""), name="comments_comment_hidden_reason"
            ),
        ]

    def __str__(self):
        return f"{self.author} on {self.content_type_id}.{self.object_id}: {self.text[:40]}"

    @property
    def html(self):
        return render_plain(self.text)

    @property
    def editable_until(self):
        return self.created_at + EDIT_WINDOW

    def is_editable_by(self, user, now=None):
        """The author may correct a comment for 15 minutes, unless it was deleted or hidden."""
        return (
            user.is_authenticated
            and user.pk == self.author_id
            and not self.is_deleted
            and not self.hidden
            and (now or timezone.now()) < self.editable_until
        )


class CommentLike(models.Model):
    comment = models.ForeignKey(Comment, verbose_name=_("comment"), on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="comments_one_like_per_person")]

    def __str__(self):
        return f"{self.user} likes {self.comment_id}"
