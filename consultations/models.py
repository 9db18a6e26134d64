"""Participation at the Council of Europe's four levels: information, consultation, dialogue, partnership.

Each level is a page type with the obligations of that level. They share one concrete base page, so the
index can list, filter and count all levels in one query. Open and close dates are plain fields read at
request time: a page closes at its closing date without any scheduled job.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, PageChooserPanel
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from meydan.documents import random_pdf_name
from questionnaires.blocks import QuestionnaireBlock

QUESTION_MAX_LENGTH = 1000
ANSWER_MAX_LENGTH = 5000
STATEMENT_MAX_LENGTH = 2000
REPRESENTS_MAX_LENGTH = 500
REASON_MAX_LENGTH = 2000
SUMMARY_MAX_LENGTH = 2000


class Level(models.TextChoices):
    INFORMATION = "information", _("Information")
    CONSULTATION = "consultation", _("Consultation")
    DIALOGUE = "dialogue", _("Dialogue")
    PARTNERSHIP = "partnership", _("Partnership")


class Phase(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    REPORTED = "reported", _("Reported")


class ParticipationIndexPage(Page):
    intro = models.TextField(_("introduction"), blank=True, max_length=3000)
    municipality = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "municipality"},
        help_text=_("Its communications office approves every participation page published here."),
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("municipality")]
    subpage_types = [
        "consultations.InformationPage",
        "consultations.ConsultationPage",
        "consultations.DialoguePage",
        "consultations.PartnershipPage",
    ]

    class Meta:
        verbose_name = _("participation index")

    def serve(self, request, *args, **kwargs):
        from .views.index import participation_index

        return participation_index(request, self)


class TaggedParticipationPage(TaggedItemBase):
    content_object = ParentalKey("consultations.ParticipationPage", on_delete=models.CASCADE, related_name="tagged")


class ParticipationPage(Page):
    """What every level has: who is responsible, when, about what, with which documents."""

    LEVEL = None

    level = models.CharField(_("level of participation"), max_length=20, choices=Level.choices, editable=False)
    summary = models.TextField(_("summary"), max_length=SUMMARY_MAX_LENGTH)
    body = RichTextField(_("background"), blank=True)
    municipality = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "municipality"},
    )
    responsible = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"kind__in": ["municipality", "department"]},
        help_text=_("Its officials answer and record outcomes (the municipality's always may)."),
    )
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    tags = ClusterTaggableManager(through=TaggedParticipationPage, blank=True, verbose_name=_("topics"))
    documents = StreamField(
        [("document", DocumentChooserBlock(label=_("Document")))], verbose_name=_("documents"), blank=True
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    related_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("related proposal space or council session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set when the level's closing document (outcome report, public summary) is published.
    report_published_at = models.DateTimeField(_("report published"), null=True, blank=True, editable=False)
    report_intro = models.TextField(_("report introduction"), blank=True, max_length=5000)

    common_panels = [
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldRowPanel([FieldPanel("municipality"), FieldPanel("responsible")]),
        FieldRowPanel([FieldPanel("contact_name"), FieldPanel("contact_email")]),
        FieldPanel("tags"),
        FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")], heading=_("Dates")),
        InlinePanel("phases", heading=_("Timeline"), label=_("Phase")),
        FieldPanel("documents"),
        PageChooserPanel("related_page", ["proposals.ProposalSpacePage", "live.CouncilSessionPage"]),
    ]
    content_panels = Page.content_panels + common_panels
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["consultations.ParticipationIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("participation page")
        indexes = [models.Index(fields=["level", "opens_at", "closes_at"], name="consult_level_dates")]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gte=F("opens_at")), name="consult_page_dates"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="consult_page_level"),
        ]

    def save(self, *args, **kwargs):
        if self.LEVEL:
            self.level = self.LEVEL
        return super().save(*args, **kwargs)

    def phase(self, now=None):
        now = now or timezone.now()
        if self.report_published_at:
            return Phase.REPORTED
        if now < self.opens_at:
            return Phase.UPCOMING
        if now < self.closes_at:
            return Phase.OPEN
        return Phase.CLOSED

    def is_open(self, now=None):
        return self.phase(now) == Phase.OPEN

    def with_content_json(self, content):
        # The report is published by staff outside Wagtail's revisions: an editor's draft saved
        # before it and published after it must not take the page back to "closed".
        page = super().with_content_json(content)
        page.report_published_at = self.report_published_at
        page.report_intro = self.report_intro
        return page

    @property
    def topic(self):
        return f"participation.{self.pk}"


class PhaseEntry(Orderable):
    page = ParentalKey(ParticipationPage, on_delete=models.CASCADE, related_name="phases")
    title = models.CharField(_("title"), max_length=120)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=1000)

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
        FieldPanel("description"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("phase")
        verbose_name_plural = _("phases")


# --- Information: documents and a public Q&A ------------------------------------------------------


class InformationPage(ParticipationPage):
    LEVEL = Level.INFORMATION
    answer_days = models.PositiveIntegerField(
        _("promised response time (days)"),
        default=10,
        help_text=_("Questions unanswered for longer are marked overdue on the page."),
    )

    content_panels = ParticipationPage.content_panels + [FieldPanel("answer_days")]

    class Meta:
        verbose_name = _("information")

    def serve(self, request, *args, **kwargs):
        from .views.information import information_page

        return information_page(request, self)


class Question(models.Model):
    page = models.ForeignKey(InformationPage, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("question"), max_length=QUESTION_MAX_LENGTH)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    answer = models.TextField(_("answer"), max_length=ANSWER_MAX_LENGTH, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["page", "created_at"], name="consult_question_page")]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), QUESTION_MAX_LENGTH), name="consult_question_length"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="consult_question_not_empty"),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, answer="") | (Q(answered_at__isnull=False) & ~Q(answer="")),
                name="consult_question_answer_complete",
            ),
            models.CheckConstraint(condition=Q(hidden=False) | ~Q(hidden_reason=""), name="consult_question_hidden"),
        ]

    def __str__(self):
        return self.text[:60]

    def due_at(self):
        return self.created_at + timedelta(days=self.page.answer_days)

    def is_overdue(self, now=None):
        return self.answered_at is None and (now or timezone.now()) > self.due_at()


# --- Consultation: a draft in numbered paragraphs, a questionnaire, an outcome report ------------


class ParagraphBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=200)
    text = blocks.RichTextBlock(label=_("Text"), features=["bold", "italic", "link", "ol", "ul"])

    class Meta:
        label = _("Paragraph")
        icon = "pilcrow"


class ConsultationPage(ParticipationPage):
    LEVEL = Level.CONSULTATION
    draft = StreamField([("paragraph", ParagraphBlock())], verbose_name=_("draft text"), blank=True)
    questions = StreamField(QuestionnaireBlock(), verbose_name=_("questionnaire"), blank=True)
    report_due_days = models.PositiveIntegerField(
        _("outcome report due (days after closing)"),
        default=30,
        help_text=_("The page shows the due date and marks the report overdue after it."),
    )
    accepts_position_papers = models.BooleanField(_("organisations may submit position papers"), default=True)

    content_panels = ParticipationPage.content_panels + [
        FieldPanel("draft"),
        FieldPanel("questions"),
        FieldRowPanel([FieldPanel("report_due_days"), FieldPanel("accepts_position_papers")]),
    ]

    class Meta:
        verbose_name = _("consultation")

    def serve(self, request, *args, **kwargs):
        from .views.consultation import consultation_page

        return consultation_page(request, self)

    def report_due_at(self):
        return self.closes_at + timedelta(days=self.report_due_days)

    def report_overdue(self, now=None):
        return self.report_published_at is None and (now or timezone.now()) > self.report_due_at()


class Paragraph(models.Model):
    """A published paragraph of a consultation's draft: what paragraph comments attach to.

    Rows are kept in step with the draft's StreamField on publish, keyed by the block id, so editing
    the text keeps its comments and a paragraph removed from the draft keeps its comments as withdrawn.
    """

    page = models.ForeignKey(ConsultationPage, on_delete=models.CASCADE, related_name="paragraphs")
    block_id = models.CharField(max_length=64)
    number = models.PositiveIntegerField(_("number"))
    heading = models.CharField(_("heading"), max_length=200, blank=True)
    withdrawn = models.BooleanField(_("removed from the draft"), default=False)

    class Meta:
        verbose_name = _("paragraph")
        verbose_name_plural = _("paragraphs")
        ordering = ["page", "number"]
        constraints = [models.UniqueConstraint(fields=["page", "block_id"], name="consult_paragraph_block_unique")]

    def __str__(self):
        return _("Paragraph %(number)s") % {"number": self.number}

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("consultations:paragraph", args=[self.pk])


class PositionPaper(models.Model):
    UPLOAD_FOLDER = "position-papers"

    page = models.ForeignKey(ConsultationPage, on_delete=models.CASCADE, related_name="position_papers")
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=SUMMARY_MAX_LENGTH)
    file = models.FileField(_("PDF file"), upload_to=random_pdf_name, max_length=200)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("position paper")
        verbose_name_plural = _("position papers")
        ordering = ["submitted_at", "pk"]
        constraints = [
            # One official position per organisation and consultation; a new upload replaces it.
            models.UniqueConstraint(fields=["page", "organisation"], name="consult_one_paper_per_org"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("summary"), SUMMARY_MAX_LENGTH), name="consult_paper_summary_length"
            ),
        ]

    def __str__(self):
        return self.title


class Theme(models.Model):
    """Staff group free-text answers into themes, so that each theme can get an outcome."""

    page = models.ForeignKey(ConsultationPage, on_delete=models.CASCADE, related_name="themes")
    title = models.CharField(_("theme"), max_length=200)
    summary = models.TextField(_("what respondents said"), max_length=SUMMARY_MAX_LENGTH)
    answer_count = models.PositiveIntegerField(_("answers in this theme"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("theme of free-text answers")
        verbose_name_plural = _("themes of free-text answers")
        ordering = ["pk"]

    def __str__(self):
        return self.title


class OutcomeDecision(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    PARTLY = "partly", _("Partly adopted")
    NOT_ADOPTED = "not_adopted", _("Not adopted")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")


class Outcome(models.Model):
    """What was done with one contribution: the line of the "you said, we did" report."""

    Decision = OutcomeDecision

    page = models.ForeignKey(ConsultationPage, on_delete=models.CASCADE, related_name="outcomes")
    comment = models.OneToOneField(
        "comments.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="consultation_outcome"
    )
    paper = models.OneToOneField(PositionPaper, null=True, blank=True, on_delete=models.CASCADE, related_name="outcome")
    theme = models.OneToOneField(Theme, null=True, blank=True, on_delete=models.CASCADE, related_name="outcome")
    decision = models.CharField(_("outcome"), max_length=20, choices=OutcomeDecision.choices)
    reason = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(comment__isnull=False, paper__isnull=True, theme__isnull=True)
                    | Q(comment__isnull=True, paper__isnull=False, theme__isnull=True)
                    | Q(comment__isnull=True, paper__isnull=True, theme__isnull=False)
                ),
                name="consult_outcome_one_contribution",
            ),
            models.CheckConstraint(condition=Q(decision__in=OutcomeDecision.values), name="consult_outcome_decision"),
            models.CheckConstraint(condition=~Q(reason=""), name="consult_outcome_reason"),
        ]

    def __str__(self):
        return self.get_decision_display()


# --- Dialogue: participation by application ------------------------------------------------------


class DialoguePage(ParticipationPage):
    LEVEL = Level.DIALOGUE
    public_summary = RichTextField(_("public summary"), blank=True)

    content_panels = ParticipationPage.content_panels + [
        InlinePanel("minutes", heading=_("Meeting minutes (participants only)"), label=_("Minutes")),
        FieldPanel("public_summary"),
    ]

    class Meta:
        verbose_name = _("dialogue")

    def serve(self, request, *args, **kwargs):
        from .views.dialogue import dialogue_page

        return dialogue_page(request, self)


class MeetingMinutes(Orderable):
    page = ParentalKey(DialoguePage, on_delete=models.CASCADE, related_name="minutes")
    held_on = models.DateField(_("meeting date"))
    title = models.CharField(_("title"), max_length=200)
    body = RichTextField(_("minutes"))

    panels = [FieldRowPanel([FieldPanel("held_on"), FieldPanel("title")]), FieldPanel("body")]

    class Meta(Orderable.Meta):
        verbose_name = _("meeting minutes")
        verbose_name_plural = _("meeting minutes")


class Application(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    page = models.ForeignKey(DialoguePage, on_delete=models.CASCADE, related_name="applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    statement = models.TextField(_("statement of interest"), max_length=STATEMENT_MAX_LENGTH)
    represents = models.TextField(_("whom the organisation represents"), max_length=REPRESENTS_MAX_LENGTH, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("applied"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["page", "applicant"], name="consult_one_application_per_user"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "declined"]), name="consult_application_status"
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(reason=""), name="consult_declined_needs_reason"
            ),
            models.CheckConstraint(condition=~Q(statement=""), name="consult_application_statement"),
            models.CheckConstraint(
                condition=Q(organisation__isnull=True) | ~Q(represents=""), name="consult_ngo_application_represents"
            ),
        ]

    def __str__(self):
        return self.get_status_display()


# --- Partnership: a working group of organisations ----------------------------------------------


class PartnershipPage(ParticipationPage):
    LEVEL = Level.PARTNERSHIP

    content_panels = ParticipationPage.content_panels + [
        InlinePanel("members", heading=_("Working group"), label=_("Member organisation")),
        InlinePanel("milestones", heading=_("Milestones"), label=_("Milestone")),
        InlinePanel("decisions", heading=_("Decision log"), label=_("Decision")),
        InlinePanel("drafts", heading=_("Co-drafted documents"), label=_("Document")),
        InlinePanel("statements", heading=_("Joint statements"), label=_("Statement")),
    ]

    class Meta:
        verbose_name = _("partnership")

    def serve(self, request, *args, **kwargs):
        from .views.partnership import partnership_page

        return partnership_page(request, self)


class PartnershipMember(Orderable):
    page = ParentalKey(PartnershipPage, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role in the group"), max_length=120, blank=True)

    panels = [FieldPanel("organisation"), FieldPanel("role")]

    class Meta(Orderable.Meta):
        verbose_name = _("member organisation")
        verbose_name_plural = _("member organisations")
        constraints = [models.UniqueConstraint(fields=["page", "organisation"], name="consult_member_unique")]


class Milestone(Orderable):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DELAYED = "delayed", _("Delayed")

    page = ParentalKey(PartnershipPage, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)

    panels = [FieldPanel("title"), FieldRowPanel([FieldPanel("due_on"), FieldPanel("status")])]

    class Meta(Orderable.Meta):
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")


class Decision(Orderable, ClusterableModel):
    # ClusterableModel: without it, "agreed" and "objected" chosen in the admin stay in the form and are
    # never written (modelcluster commits a ParentalManyToManyField only from a ClusterableModel).
    page = ParentalKey(PartnershipPage, on_delete=models.CASCADE, related_name="decisions")
    decided_on = models.DateField(_("date"))
    text = models.TextField(_("decision"), max_length=2000)
    agreed = ParentalManyToManyField("accounts.Organisation", verbose_name=_("agreed"), blank=True, related_name="+")
    objected = ParentalManyToManyField(
        "accounts.Organisation", verbose_name=_("objected"), blank=True, related_name="+"
    )

    panels = [FieldPanel("decided_on"), FieldPanel("text"), FieldPanel("agreed"), FieldPanel("objected")]

    class Meta(Orderable.Meta):
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")


class CoDraft(Orderable):
    """A document the working group writes together; member organisations comment on it."""

    page = ParentalKey(PartnershipPage, on_delete=models.CASCADE, related_name="drafts")
    title = models.CharField(_("title"), max_length=200)
    body = RichTextField(_("text"))

    panels = [FieldPanel("title"), FieldPanel("body")]

    class Meta(Orderable.Meta):
        verbose_name = _("co-drafted document")
        verbose_name_plural = _("co-drafted documents")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("consultations:codraft", args=[self.pk])


class JointStatement(Orderable):
    page = ParentalKey(PartnershipPage, on_delete=models.CASCADE, related_name="statements")
    title = models.CharField(_("title"), max_length=200)
    published_on = models.DateField(_("published"))
    body = RichTextField(_("statement"))

    panels = [FieldRowPanel([FieldPanel("title"), FieldPanel("published_on")]), FieldPanel("body")]

    class Meta(Orderable.Meta):
        verbose_name = _("joint statement")
        verbose_name_plural = _("joint statements")


# --- NGO self-assessment of cooperation with the administration ----------------------------------


class SelfAssessment(models.Model):
    class Cooperation(models.IntegerChoices):
        NONE = 0, _("We have no contact with the administration")
        INFORMED = 1, _("We receive information")
        CONSULTED = 2, _("We are consulted")
        DIALOGUE = 3, _("We are in dialogue")
        PARTNERSHIP = 4, _("We work in partnership")

    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    municipality = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": "municipality"},
    )
    year = models.PositiveIntegerField(_("year"))
    cooperation = models.PositiveSmallIntegerField(_("our cooperation"), choices=Cooperation.choices)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("NGO self-assessment")
        verbose_name_plural = _("NGO self-assessments")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "municipality", "year"], name="consult_one_assessment"),
            models.CheckConstraint(
                condition=Q(cooperation__gte=0, cooperation__lte=4), name="consult_assessment_scale"
            ),
        ]

    def __str__(self):
        return self.get_cooperation_display()
