"""Crisis mode per Wagtail site: the current state, the history of crisis periods, and what a period
took off schedule (page revisions) or out of the site's workflows, so that switching off puts it back."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MESSAGE_MAX_LENGTH = 1000
REASON_MAX_LENGTH = 2000


class CrisisState(models.Model):
    """One row per site, created on first use. `active` is what every page and service consults;
    the municipality, central group and crisis workflow are set up once and kept between crises."""

    site = models.OneToOneField(
        "wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="crisis_state"
    )
    municipality = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("municipality"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "municipality"},
        help_text=_("Its administrators and communications office may switch crisis mode on and off."),
    )
    group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("central communications group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    workflow = models.ForeignKey(
        "wagtailcore.Workflow",
        verbose_name=_("crisis workflow"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=False)
    message = models.TextField(_("message"), blank=True, max_length=MESSAGE_MAX_LENGTH)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("crisis state")
        verbose_name_plural = _("crisis states")
        constraints = [
            models.CheckConstraint(
                condition=Q(active=False) | (Q(started_at__isnull=False) & ~Q(message="")),
                name="crisis_active_has_start_and_message",
            ),
        ]

    def __str__(self):
        return str(self.site)


class CrisisPeriod(models.Model):
    """The history: one row per crisis, with who switched it on and off and why."""

    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="crisis_periods"
    )
    message = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    start_reason = models.TextField(_("reason for switching on"), max_length=REASON_MAX_LENGTH)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"))
    end_reason = models.TextField(_("reason for switching off"), blank=True, max_length=REASON_MAX_LENGTH)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("crisis period")
        verbose_name_plural = _("crisis periods")
        ordering = ["-started_at", "-pk"]
        constraints = [
            # At most one open crisis per site, whatever the application does.
            models.UniqueConstraint(
                fields=["site"], condition=Q(ended_at__isnull=True), name="crisis_one_open_period_per_site"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="crisis_period_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.site} {self.started_at:%Y-%m-%d %H:%M}"


class PausedRevision(models.Model):
    """A page revision taken off Wagtail's schedule by a crisis, with its original time."""

    period = models.ForeignKey(CrisisPeriod, on_delete=models.CASCADE, related_name="paused_revisions")
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.CASCADE, related_name="+")
    go_live_at = models.DateTimeField(_("original publication time"))
    resumed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["go_live_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["period", "revision"], name="crisis_revision_paused_once"),
        ]

    def __str__(self):
        return f"{self.revision_id} @ {self.go_live_at:%Y-%m-%d %H:%M}"


class SwappedWorkflow(models.Model):
    """A page's own workflow assignment, set aside while the crisis workflow covers the whole site."""

    period = models.ForeignKey(CrisisPeriod, on_delete=models.CASCADE, related_name="swapped_workflows")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    workflow = models.ForeignKey("wagtailcore.Workflow", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["period", "page"], name="crisis_workflow_swapped_once"),
        ]

    def __str__(self):
        return f"{self.page_id}: {self.workflow_id}"
