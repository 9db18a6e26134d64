"""The moderation log (append-only), appeals against its decisions, and account suspensions."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .guidelines import Rule

REASON_MAX_LENGTH = 300  # the reason is stored on the hidden content too (comments allow 300)
APPEAL_MAX_LENGTH = 1000
FLAG_TEXT_MAX_LENGTH = 500


class ActionKind(models.TextChoices):
    HIDE = "hide", _("Hidden")
    RESTORE = "restore", _("Restored")
    WARN = "warn", _("Warning")
    SUSPEND = "suspend", _("Account suspended")
    APPEAL_UPHELD = "appeal_upheld", _("Appeal upheld")
    APPEAL_REJECTED = "appeal_rejected", _("Appeal rejected")


# Decisions the person concerned may appeal (once each).
APPEALABLE = (ActionKind.HIDE, ActionKind.WARN, ActionKind.SUSPEND)


class Outcome(models.TextChoices):
    HIDDEN = "hidden", _("Content hidden")
    RESTORED = "restored", _("Content visible again")
    WARNED = "warned", _("Author warned")
    SUSPENDED = "suspended", _("Account suspended for a period")
    WITHDRAWN = "withdrawn", _("Warning withdrawn")
    LIFTED = "lifted", _("Suspension lifted")
    STANDS = "stands", _("Decision stands")


class AppendOnly(Exception):
    pass


class ModerationAction(models.Model):
    """One decision of a moderator. Rows are written once by moderation.services and never changed;
    the public log shows their kind, date, rule and outcome, never the content or the author."""

    Kind = ActionKind

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("content type"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    content = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=20, choices=ActionKind.choices)
    rule = models.CharField(_("guideline"), max_length=20, choices=Rule.choices)
    reason = models.TextField(_("reason given to the author"), max_length=REASON_MAX_LENGTH)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderator"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="moderation_decisions",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person concerned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    # For appeal decisions: the decision that was appealed.
    appealed_action = models.ForeignKey(
        "self",
        verbose_name=_("decision appealed"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeal_decisions",
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation log")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "created_at"], name="moderation_type_created"),
            models.Index(fields=["content_type", "object_id"], name="moderation_content"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=ActionKind.values), name="moderation_action_kind"),
            models.CheckConstraint(condition=Q(rule__in=Rule.values), name="moderation_action_rule"),
            models.CheckConstraint(condition=Q(outcome__in=Outcome.values), name="moderation_action_outcome"),
            models.CheckConstraint(condition=~Q(reason=""), name="moderation_action_reason"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("reason"), REASON_MAX_LENGTH), name="moderation_action_reason_length"
            ),
            # Content and its id come together or not at all (warnings and suspensions may have none).
            models.CheckConstraint(
                condition=Q(content_type__isnull=True, object_id__isnull=True)
                | Q(content_type__isnull=False, object_id__isnull=False),
                name="moderation_action_content_pair",
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} · {self.created_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnly("The moderation log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("The moderation log is append-only.")

    @property
    def appealable(self):
        return self.action in APPEALABLE


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Flag(models.Model):
    """A person's report that some content breaks a guideline; once per person and content. Reports
    are never public: moderators see them in their queue, the author never learns who reported."""

    Reason = Rule
    Status = FlagStatus

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("content type"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    content = GenericForeignKey("content_type", "object_id")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Rule.choices)
    text = models.TextField(_("details"), max_length=FLAG_TEXT_MAX_LENGTH, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            models.Index(fields=["status", "created_at"], name="moderation_flag_status"),
            models.Index(fields=["content_type", "object_id", "status"], name="moderation_flag_content"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "user"], name="moderation_one_flag_per_person"
            ),
            models.CheckConstraint(condition=Q(reason__in=Rule.values), name="moderation_flag_reason"),
            models.CheckConstraint(condition=Q(status__in=FlagStatus.values), name="moderation_flag_status_valid"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), FLAG_TEXT_MAX_LENGTH), name="moderation_flag_text_length"
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.content_type_id}.{self.object_id}"

    def save(self, *args, **kwargs):
        # Resolved in the admin: record when (the services set it themselves with update()).
        if self.status == FlagStatus.RESOLVED and self.resolved_at is None:
            self.resolved_at = timezone.now()
        elif self.status == FlagStatus.OPEN:
            self.resolved_at = None
        super().save(*args, **kwargs)


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class Appeal(models.Model):
    Status = AppealStatus

    action = models.ForeignKey(
        ModerationAction, verbose_name=_("decision appealed"), on_delete=models.PROTECT, related_name="appeals"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("appellant"), on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("appeal"), max_length=APPEAL_MAX_LENGTH)
    status = models.CharField(_("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    created_at = models.DateTimeField(_("appealed"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), max_length=REASON_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        indexes = [models.Index(fields=["status", "created_at"], name="moderation_appeal_status")]
        constraints = [
            models.UniqueConstraint(fields=["action"], name="moderation_one_appeal_per_action"),
            models.CheckConstraint(condition=Q(status__in=AppealStatus.values), name="moderation_appeal_status_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="moderation_appeal_not_empty"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), APPEAL_MAX_LENGTH), name="moderation_appeal_max_length"
            ),
            models.CheckConstraint(
                condition=Q(status=AppealStatus.OPEN, decided_at__isnull=True)
                | (~Q(status=AppealStatus.OPEN) & Q(decided_at__isnull=False) & ~Q(decision_reason="")),
                name="moderation_appeal_decided",
            ),
        ]

    def __str__(self):
        return f"{self.get_status_display()} · {self.action}"


class Suspension(models.Model):
    """While active (until in the future, not lifted) the person may read but not write anywhere."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="suspensions"
    )
    until = models.DateTimeField(_("suspended until"))
    reason = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH)
    action = models.OneToOneField(
        ModerationAction, verbose_name=_("decision"), on_delete=models.PROTECT, related_name="suspension"
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    class Meta:
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        # account_refusal() asks this on every write: one index lookup.
        indexes = [models.Index(fields=["user", "until"], name="moderation_suspension_active")]

    def __str__(self):
        return f"{self.user} until {self.until:%Y-%m-%d %H:%M}"

    @property
    def active(self):
        return self.lifted_at is None and self.until > timezone.now()


SUSPENSION_CACHE_SECONDS = 600


def _suspension_key(user_id):
    return f"moderation:suspended-until:{user_id}"


def suspended_until(user_id):
    """active_suspension_end() through the cache: one cache read per check, one indexed query when
    the entry is missing. An entry lives at most ten minutes and never past the suspension's end."""
    key = _suspension_key(user_id)
    cached = cache.get(key)
    if cached is not None:
        return cached or None  # 0 means "not suspended"
    until = active_suspension_end(user_id)
    seconds = SUSPENSION_CACHE_SECONDS
    if until is not None:
        seconds = max(1, min(seconds, int((until - timezone.now()).total_seconds())))
    cache.set(key, until or 0, seconds)
    return until


def forget_suspension(user_id):
    cache.delete(_suspension_key(user_id))


def active_suspension_end(user_id, now=None):
    """The end of the user's active suspension (the latest, if several), or None."""
    return (
        Suspension.objects.filter(user_id=user_id, until__gt=now or timezone.now(), lifted_at__isnull=True)
        .order_by("-until")
        .values_list("until", flat=True)
        .first()
    )
