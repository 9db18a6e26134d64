"""Responses to a questionnaire held by any registered host (a generic relation, see hosts.py)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SUBJECT_MAX_LENGTH = 100


class Response(models.Model):
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("content type"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    host = GenericForeignKey("content_type", "object_id")
    # One host may collect one answer per person per subject, e.g. "desk.request.42".
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH, blank=True, default="")
    # Erasing an account keeps its answers in the totals, no longer linked to anybody.
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("respondent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questionnaire_responses",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questionnaire_responses",
    )
    # {question block id: answer}; see answers.py for the shape of each answer.
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)

    class Meta:
        verbose_name = _("questionnaire response")
        verbose_name_plural = _("questionnaire responses")
        indexes = [
            # Results and exports read every response of one host (and subject).
            models.Index(fields=["content_type", "object_id", "subject"], name="questionnaires_host_subject"),
            models.Index(fields=["respondent"], name="questionnaires_respondent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "subject", "respondent"],
                condition=Q(respondent__isnull=False),
                name="questionnaires_one_response_per_person",
            ),
            # An organisation speaks once: its other administrators change that answer, not add one.
            models.UniqueConstraint(
                fields=["content_type", "object_id", "subject", "organisation"],
                condition=Q(organisation__isnull=False),
                name="questionnaires_one_response_per_organisation",
            ),
        ]

    def __str__(self):
        return f"Response {self.pk} to {self.content_type_id}.{self.object_id} {self.subject}".strip()
