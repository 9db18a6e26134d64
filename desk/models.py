"""Requests and complaints to a municipality ("Mavi Masa"): topics that route to departments, a
deadline per type, the request itself with its timeline, reply templates, and satisfaction ratings
(generic, so that council sessions and consultations can ask the same question)."""

import secrets
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel

from meydan.sanitize import render_plain

TEXT_MAX_LENGTH = 5000
ANSWER_MAX_LENGTH = 8000
NOTE_MAX_LENGTH = 4000
RATING_COMMENT_MAX_LENGTH = 1000
REOPEN_WINDOW = timedelta(days=30)
MAX_REOPENS = 1

# Without 0/O, 1/I/L, 5/S and 8/B, so a code read out on the phone or copied by hand survives.
CODE_ALPHABET = "2345679ACDEFGHJKMNPQRTUVWXYZ"
CODE_PREFIX = "MYD"
CODE_PATTERN = rf"^{CODE_PREFIX}-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}$"


def new_tracking_code():
    """About 2^38 codes: guessing one that exists is hopeless, and lookups are rate-limited too."""
    part = lambda: "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))  # noqa: E731
    return f"{CODE_PREFIX}-{part()}-{part()}"


def private_storage():
    """Photos and attachments live outside MEDIA_ROOT: they are personal data, served only through
    permission-checked views, never under a public URL."""
    location = getattr(settings, "MEYDAN_PRIVATE_MEDIA_ROOT", None)
    if not location:
        media = Path(settings.MEDIA_ROOT)
        location = media.with_name(media.name + "-private")
    return FileSystemStorage(location=location, base_url=None)


def _random_name(folder, filename):
    suffix = Path(filename).suffix.lower()[:8]
    return f"desk/{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def photo_path(instance, filename):
    return _random_name("photos", filename)


def attachment_path(instance, filename):
    return _random_name("attachments", filename)


class Kind(models.TextChoices):
    REQUEST = "request", _("Request")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    INFORMATION = "information", _("Information request")
    THANKS = "thanks", _("Thanks")


DEFAULT_RESPONSE_DAYS = {Kind.INFORMATION: 15}
FALLBACK_RESPONSE_DAYS = 30


class Status(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Awaiting e-mail confirmation")
    RECEIVED = "received", _("Received")
    IN_REVIEW = "in_review", _("In review")
    REDIRECTED = "redirected", _("Redirected")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


OPEN_STATUSES = (Status.RECEIVED, Status.IN_REVIEW, Status.REDIRECTED, Status.REOPENED)
# Statuses in which the municipality still owes the requester something (and can be overdue).
WAITING_STATUSES = OPEN_STATUSES
# What the staff inbox lists: open requests and answered ones that may still need a record or a close.
# The partial index desk_request_muni_inbox is built on this tuple (see Request.Meta): a change to it
# needs a migration, which makemigrations finds.
INBOX_STATUSES = (*OPEN_STATUSES, Status.ANSWERED)


class MunicipalityScopedForm(WagtailAdminModelForm):
    """Admin forms offer only the organisations the editor administers (superusers: all)."""

    scoped_fields = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .rules import administered_organisations

        user = getattr(self, "for_user", None)
        for name, kind in self.scoped_fields.items():
            if name in self.fields and user is not None:
                self.fields[name].queryset = administered_organisations(user).filter(kind=kind)


class TopicForm(MunicipalityScopedForm):
    scoped_fields = {"municipality": "municipality", "department": "department"}

    def clean(self):
        data = super().clean()
        municipality, department = data.get("municipality"), data.get("department")
        if municipality and department and department.parent_id != municipality.pk:
            self.add_error("department", _("Choose a department of this municipality."))
        return data


class Topic(models.Model):
    municipality = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "municipality"},
    )
    name = models.CharField(_("name"), max_length=120)
    department = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "department"},
        help_text=_("Requests on this topic go to this department first."),
    )
    active = models.BooleanField(_("active"), default=True, help_text=_("Inactive topics are not offered."))
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    base_form_class = TopicForm
    panels = [
        FieldPanel("municipality"),
        FieldPanel("name"),
        FieldPanel("department"),
        FieldPanel("active"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        verbose_name = _("request topic")
        verbose_name_plural = _("request topics")
        ordering = ["municipality_id", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="desk_topic_unique_name"),
            models.CheckConstraint(condition=~Q(name=""), name="desk_topic_name_not_empty"),
        ]

    def __str__(self):
        return self.name


class TypeSettingsForm(MunicipalityScopedForm):
    scoped_fields = {"municipality": "municipality"}


class TypeSettings(models.Model):
    """Response deadline of one type of request in one municipality (defaults apply without a row)."""

    municipality = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": "municipality"},
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    response_days = models.PositiveSmallIntegerField(
        _("response deadline (days)"), help_text=_("Days the municipality has to answer a request of this type.")
    )

    base_form_class = TypeSettingsForm
    panels = [FieldPanel("municipality"), FieldPanel("kind"), FieldPanel("response_days")]

    class Meta:
        verbose_name = _("request type deadline")
        verbose_name_plural = _("request type deadlines")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind"], name="desk_type_settings_unique"),
            models.CheckConstraint(
                condition=Q(response_days__gte=1, response_days__lte=365), name="desk_type_settings_days_range"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="desk_type_settings_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.response_days}"

    @staticmethod
    def days_for(municipality, kind):
        row = TypeSettings.objects.filter(municipality=municipality, kind=kind).values_list("response_days", flat=True)
        return row.first() or DEFAULT_RESPONSE_DAYS.get(kind, FALLBACK_RESPONSE_DAYS)


class Request(models.Model):
    Kind = Kind
    Status = Status

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    municipality = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="+"
    )
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="requests")
    # The organisation handling the request now: the topic's department, until someone redirects it.
    department = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("handled by"), on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # SET_NULL, so that erasing an account keeps the municipality's record without the person.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="desk_requests",
    )
    contact_email = models.EmailField(_("contact e-mail address"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    text = models.TextField(_("text"), max_length=TEXT_MAX_LENGTH)
    district = models.CharField(_("district"), max_length=80, blank=True)
    photo = models.ImageField(_("photo"), upload_to=photo_path, storage=private_storage, blank=True)
    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True, default=new_tracking_code)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    publish_consent = models.BooleanField(
        _("may be published"), default=False, help_text=_("The author agrees that staff publish it as a proposal.")
    )
    is_public = models.BooleanField(_("public"), default=False)
    # The public proposal staff made of this suggestion (with the author's consent).
    proposal = models.ForeignKey(
        "proposals.Proposal",
        verbose_name=_("published as proposal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="desk_requests",
    )
    # When the request was accepted (for people without an account: when they confirmed their address).
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # No column: lets reports join a request to its rating in one GROUP BY.
    ratings = GenericRelation("desk.Satisfaction", related_query_name="desk_request")

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["municipality", "created_at"], name="desk_request_muni_created"),
            # A department's inbox and requests due; the trailing municipality lets the inbox tell the
            # requests of other municipalities apart from the index alone (desk.sources.DeskSource).
            models.Index(
                fields=["department", "status", "due_at", "municipality"], name="desk_request_dept_status_muni"
            ),
            # A municipality's inbox in inbox order (due first): a page is read off the index, and the
            # total counted from it, however many closed requests the municipality has. Status is in it
            # so that SQLite counts from the index alone. Queries must repeat the condition with the
            # values in the SQL text (desk.sources.in_inbox): SQLite plans before it sees bound values.
            models.Index(
                fields=["municipality", "due_at", "created_at", "status"],
                name="desk_request_muni_inbox",
                condition=Q(status__in=INBOX_STATUSES),
            ),
            models.Index(fields=["requester", "created_at"], name="desk_request_requester"),
            models.Index(fields=["assignee", "status"], name="desk_request_assignee"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), TEXT_MAX_LENGTH), name="desk_request_text_max_length"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="desk_request_text_not_empty"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="desk_request_kind"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="desk_request_status"),
            models.CheckConstraint(
                condition=Q(reopen_count__lte=MAX_REOPENS), name="desk_request_reopened_at_most_once"
            ),
            models.CheckConstraint(
                condition=Q(is_public=False) | Q(kind=Kind.SUGGESTION, publish_consent=True),
                name="desk_request_public_needs_consented_suggestion",
            ),
            models.CheckConstraint(
                condition=Q(proposal__isnull=True) | Q(is_public=True), name="desk_request_proposal_is_public"
            ),
            models.CheckConstraint(
                condition=Q(status=Status.UNCONFIRMED) | Q(due_at__isnull=False), name="desk_request_has_due_date"
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.CLOSED) | Q(closed_at__isnull=False), name="desk_request_closed_has_date"
            ),
        ]

    def __str__(self):
        return self.tracking_code

    def get_absolute_url(self):
        return reverse("desk:detail", kwargs={"pk": self.pk})

    @property
    def text_html(self):
        return render_plain(self.text)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self):
        return bool(self.due_at and self.status in WAITING_STATUSES and self.due_at < timezone.now())

    @property
    def reopen_until(self):
        return self.closed_at + REOPEN_WINDOW if self.closed_at else None

    def can_be_reopened(self, now=None):
        return (
            self.status == Status.CLOSED
            and self.reopen_count < MAX_REOPENS
            and self.closed_at is not None
            and (now or timezone.now()) <= self.reopen_until
        )

    @cached_property
    def may_publish(self):
        return self.kind == Kind.SUGGESTION


class Attachment(models.Model):
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, storage=private_storage)
    name = models.CharField(_("name"), max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name


class TimelineEntry(models.Model):
    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Received")
        STATUS = "status", _("Status changed")
        REDIRECTED = "redirected", _("Redirected")
        ASSIGNED = "assigned", _("Assigned")
        ANSWERED = "answered", _("Answered")
        NOTE = "note", _("Internal note")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")
        RATED = "rated", _("Rated")
        CONSENT = "consent", _("Consent to publish")
        PUBLISHED = "published", _("Published as a proposal")

    # Shown to the requester; notes and assignments are for staff only.
    INTERNAL_KINDS = (Kind.NOTE, Kind.ASSIGNED)

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    from_department = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_department = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public_text = models.TextField(blank=True, max_length=ANSWER_MAX_LENGTH)
    internal_note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["request", "created_at"], name="desk_timeline_request")]

    def __str__(self):
        return f"{self.request_id} {self.kind} {self.created_at:%Y-%m-%d}"

    @property
    def public_html(self):
        return render_plain(self.public_text)

    @property
    def to_status_label(self):
        return Status(self.to_status).label if self.to_status in Status.values else ""


class ReplyTemplateForm(MunicipalityScopedForm):
    scoped_fields = {"department": "department"}


class ReplyTemplate(models.Model):
    department = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": "department"},
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=ANSWER_MAX_LENGTH)

    base_form_class = ReplyTemplateForm
    panels = [FieldPanel("department"), FieldPanel("title"), FieldPanel("body")]

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["department", "title"], name="desk_reply_template_unique")]

    def __str__(self):
        return self.title


class Satisfaction(models.Model):
    """A 1–5 rating of something that ended: a request, a council session, a consultation.

    `respondent_key` makes "once" a database rule for every subject: empty when a subject takes one
    rating in all (a request, rated by its requester), "user:<id>" when each participant rates once.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    respondent_key = models.CharField(max_length=40, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True, max_length=RATING_COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(_("rated"), default=timezone.now)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        indexes = [models.Index(fields=["content_type", "created_at"], name="desk_satisfaction_type_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "respondent_key"], name="desk_satisfaction_once"
            ),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="desk_satisfaction_rating_range"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("comment"), RATING_COMMENT_MAX_LENGTH),
                name="desk_satisfaction_comment_max_length",
            ),
        ]

    def __str__(self):
        return f"{self.content_type_id}.{self.object_id}: {self.rating}"
