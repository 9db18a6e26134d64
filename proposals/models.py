"""Citizen proposals in a space run by a municipality: supports, a threshold that obliges an answer
by a published date, a public timeline of every state change."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.search.queryset import SearchableQuerySetMixin

from meydan.accounts.eligibility import Eligibility
from meydan.sanitize import plain_text, render_html

TITLE_MAX_LENGTH = 150
BODY_MAX_LENGTH = 10_000


class ProposalSpacePage(Page):
    intro = models.TextField(_("introduction"), blank=True, max_length=3000)
    municipality = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "municipality"},
    )
    proposing_opens = models.DateTimeField(_("proposing opens"))
    proposing_closes = models.DateTimeField(_("proposing closes"))
    supporting_opens = models.DateTimeField(_("supporting opens"))
    supporting_closes = models.DateTimeField(_("supporting closes"))
    support_threshold = models.PositiveIntegerField(
        _("support threshold"), default=100, help_text=_("Supports a proposal needs to oblige an official answer.")
    )
    answer_days = models.PositiveIntegerField(
        _("answer deadline (days)"),
        default=30,
        help_text=_("Days the municipality has to answer once a proposal reaches the threshold."),
    )
    who_may_propose = models.CharField(
        _("who may propose"), max_length=20, choices=Eligibility.choices, default=Eligibility.CONFIRMED
    )
    who_may_support = models.CharField(
        _("who may support"),
        max_length=20,
        choices=Eligibility.choices,
        default=Eligibility.CONFIRMED,
        help_text=_("Also who may comment on the proposals."),
    )
    districts = models.TextField(
        _("districts"), blank=True, help_text=_("One district per line; leave empty for none.")
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("municipality"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("proposing_opens"), FieldPanel("proposing_closes")]),
                FieldRowPanel([FieldPanel("supporting_opens"), FieldPanel("supporting_closes")]),
            ],
            heading=_("Dates"),
        ),
        FieldRowPanel([FieldPanel("support_threshold"), FieldPanel("answer_days")]),
        FieldRowPanel([FieldPanel("who_may_propose"), FieldPanel("who_may_support")]),
        FieldPanel("districts"),
        InlinePanel("categories", heading=_("Categories"), label=_("Category")),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    subpage_types = []

    class Meta:
        verbose_name = _("proposal space")
        constraints = [
            models.CheckConstraint(
                condition=Q(proposing_closes__gte=F("proposing_opens")), name="proposals_space_proposing_dates"
            ),
            models.CheckConstraint(
                condition=Q(supporting_closes__gte=F("supporting_opens")), name="proposals_space_supporting_dates"
            ),
            models.CheckConstraint(condition=Q(support_threshold__gte=1), name="proposals_space_threshold_positive"),
            models.CheckConstraint(
                condition=Q(who_may_propose__in=Eligibility.values), name="proposals_space_who_may_propose_valid"
            ),
            models.CheckConstraint(
                condition=Q(who_may_support__in=Eligibility.values), name="proposals_space_who_may_support_valid"
            ),
        ]

    def district_list(self):
        return [line.strip() for line in self.districts.splitlines() if line.strip()]

    def proposing_open(self, now=None):
        now = now or timezone.now()
        return self.proposing_opens <= now <= self.proposing_closes

    def supporting_open(self, now=None):
        now = now or timezone.now()
        return self.supporting_opens <= now <= self.supporting_closes

    def serve(self, request, *args, **kwargs):
        from .views import space_list

        return space_list(request, self)


class Category(Orderable):
    space = ParentalKey(ProposalSpacePage, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=80)
    department = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"kind": "department"},
        help_text=_("Its officials answer proposals of this category (the municipality's always may)."),
    )

    panels = [FieldPanel("name"), FieldPanel("department")]

    class Meta(Orderable.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name


class TaggedProposal(TaggedItemBase):
    content_object = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="tagged_items")


class ProposalQuerySet(SearchableQuerySetMixin, models.QuerySet):
    pass


class Proposal(ClusterableModel, index.Indexed):
    class State(models.TextChoices):
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        HIDDEN = "hidden", _("Hidden by moderation")
        EVALUATING = "evaluating", _("Being evaluated")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        IMPLEMENTED = "implemented", _("Implemented")
        MERGED = "merged", _("Merged into another proposal")

    OPEN_STATES = (State.PUBLISHED, State.EVALUATING)
    ANSWER_STATES = (State.EVALUATING, State.ACCEPTED, State.REJECTED, State.IMPLEMENTED)

    space = models.ForeignKey(ProposalSpacePage, on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    body = models.TextField(_("description"), max_length=BODY_MAX_LENGTH * 2)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    district = models.CharField(_("district"), max_length=80, blank=True)
    image = models.ImageField(_("image"), upload_to="proposals/", blank=True)
    tags = TaggableManager(through=TaggedProposal, blank=True, verbose_name=_("tags"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PUBLISHED)
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    threshold_reached_at = models.DateTimeField(_("threshold reached"), null=True, blank=True)
    answer_due = models.DateField(_("answer due"), null=True, blank=True)
    answer = models.TextField(_("official answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged")
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProposalQuerySet.as_manager()

    search_fields = [
        index.SearchField("title", boost=3),
        index.SearchField("body_text"),
        index.AutocompleteField("title"),
        index.FilterField("space_id"),
        index.FilterField("state"),
    ]

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["space", "state", "-created_at"]),
            models.Index(fields=["space", "state", "-support_count"]),
            models.Index(fields=["answer_due"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="proposals_title_not_empty"),
            models.CheckConstraint(
                condition=Q(state="merged", merged_into__isnull=False)
                | (~Q(state="merged") & Q(merged_into__isnull=True)),
                name="proposals_merged_has_target",
            ),
            models.CheckConstraint(condition=~Q(merged_into=F("pk")), name="proposals_not_merged_into_itself"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("proposals:detail", kwargs={"pk": self.pk})

    @property
    def topic(self):
        return f"proposal.{self.pk}"

    @property
    def body_html(self):
        return render_html(self.body)

    @property
    def body_text(self):
        return plain_text(self.body)

    @property
    def is_public(self):
        return self.state not in (self.State.HIDDEN,)

    @property
    def answer_overdue(self):
        return bool(self.answer_due and not self.answered_at and self.answer_due < timezone.localdate())

    def due_date_from(self, moment):
        return (moment + timedelta(days=self.space.answer_days)).date()


class ProposalEvent(models.Model):
    """The public timeline: every state change, answer and merge, with who did it."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", _("Published")
        EDITED = "edited", _("Edited by the author")
        STATE = "state", _("State changed")
        THRESHOLD = "threshold", _("Reached the support threshold")
        ANSWERED = "answered", _("Answered")
        MERGED = "merged", _("Merged")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.proposal_id} {self.kind} {self.created_at:%Y-%m-%d}"

    @property
    def to_state_label(self):
        return Proposal.State(self.to_state).label if self.to_state in Proposal.State.values else self.to_state


class Support(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supports")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="proposals_one_support_per_person")]
        indexes = [models.Index(fields=["user", "proposal"])]

    def __str__(self):
        return f"{self.user_id} → {self.proposal_id}"
