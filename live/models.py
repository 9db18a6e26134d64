"""The event log (every change that open pages must see, in commit order, per topic) and council
sessions with their agenda, live comments and polls."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from meydan.accounts.eligibility import Eligibility
from meydan.sanitize import render_plain


class Topic(models.Model):
    """One stream of events (e.g. ``session.42``). Its row is locked while an event takes the next
    sequence number, so the order of sequence numbers is the order of commits."""

    name = models.CharField(_("name"), max_length=90, unique=True)
    last_sequence = models.BigIntegerField(_("last sequence number"), default=0)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name


class Event(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events")
    sequence = models.BigIntegerField(_("sequence number"))
    type = models.CharField(_("type"), max_length=50)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.UniqueConstraint(fields=["topic", "sequence"], name="live_event_topic_sequence_unique"),
            models.CheckConstraint(condition=models.Q(sequence__gt=0), name="live_event_sequence_positive"),
        ]

    def __str__(self):
        return f"{self.topic_id}#{self.sequence} {self.type}"

    def as_frame(self, topic_name):
        return {
            "type": "event",
            "topic": topic_name,
            "seq": self.sequence,
            "event": self.type,
            "data": self.payload,
            "at": self.created_at.isoformat(),
        }


# Council sessions --------------------------------------------------------------------------------


COMMENT_MAX_LENGTH = 1000


@register_setting(icon="media")
class LiveSettings(BaseSiteSetting):
    allowed_embed_hosts = models.TextField(
        _("hosts allowed for embedded streams"),
        blank=True,
        default="www.youtube-nocookie.com\nplayer.vimeo.com",
        help_text=_("One host name per line. A stream shown in a frame must come from one of these hosts."),
    )

    class Meta:
        verbose_name = _("live streams")

    def hosts(self):
        return {line.strip().lower() for line in self.allowed_embed_hosts.splitlines() if line.strip()}


class CouncilIndexPage(Page):
    intro = models.CharField(_("introduction"), max_length=300, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["live.CouncilSessionPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("council sessions index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        sessions = CouncilSessionPage.objects.child_of(self).live().public().order_by("-scheduled_start")
        context["live_sessions"] = [s for s in sessions if s.status == CouncilSessionPage.Status.LIVE]
        context["upcoming_sessions"] = [s for s in sessions if s.status == CouncilSessionPage.Status.SCHEDULED][::-1]
        context["past_sessions"] = [s for s in sessions if s.status == CouncilSessionPage.Status.ENDED]
        return context


class CouncilSessionPage(Page):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live now")
        ENDED = "ended", _("Ended")

    class StreamKind(models.TextChoices):
        NONE = "none", _("No stream")
        VIDEO = "video", _("Video file or HLS address")
        EMBED = "embed", _("Embedded player from an allowed host")

    municipality = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "municipality"},
    )
    summary = models.TextField(_("summary"), blank=True, max_length=2000)
    scheduled_start = models.DateTimeField(_("scheduled start"))
    scheduled_end = models.DateTimeField(_("scheduled end"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    stream_kind = models.CharField(_("stream"), max_length=10, choices=StreamKind.choices, default=StreamKind.NONE)
    stream_url = models.URLField(_("stream address"), blank=True, max_length=500)
    commenters = models.CharField(
        _("who may comment"), max_length=20, choices=Eligibility.choices, default=Eligibility.CONFIRMED
    )
    voters = models.CharField(
        _("who may vote in polls"), max_length=20, choices=Eligibility.choices, default=Eligibility.CONFIRMED
    )
    comments_open = models.BooleanField(_("comments open"), default=True)
    slow_mode_seconds = models.PositiveIntegerField(
        _("slow mode (seconds between comments)"), default=0, validators=[MaxValueValidator(3600)]
    )
    current_item = models.ForeignKey(
        "live.AgendaItem",
        verbose_name=_("current agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = Page.content_panels + [
        FieldPanel("municipality"),
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("scheduled_start"), FieldPanel("scheduled_end")]),
        MultiFieldPanel([FieldPanel("stream_kind"), FieldPanel("stream_url")], heading=_("Stream")),
        MultiFieldPanel(
            [FieldPanel("commenters"), FieldPanel("comments_open"), FieldPanel("slow_mode_seconds")],
            heading=_("Comments"),
        ),
        MultiFieldPanel([FieldPanel("voters")], heading=_("Polls")),
        InlinePanel("agenda_items", heading=_("Agenda"), label=_("Agenda item")),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")]
    parent_page_types = ["live.CouncilIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("council session")
        constraints = [
            models.CheckConstraint(
                condition=Q(scheduled_end__gte=models.F("scheduled_start")), name="live_session_end_after_start"
            ),
            models.CheckConstraint(condition=Q(slow_mode_seconds__lte=3600), name="live_session_slow_mode_max"),
            models.CheckConstraint(
                condition=Q(commenters__in=Eligibility.values), name="live_session_commenters_valid"
            ),
            models.CheckConstraint(condition=Q(voters__in=Eligibility.values), name="live_session_voters_valid"),
        ]

    @property
    def topic(self):
        return f"session.{self.pk}"

    def clean(self):
        super().clean()
        if self.scheduled_start and self.scheduled_end and self.scheduled_end < self.scheduled_start:
            raise ValidationError({"scheduled_end": _("The session cannot end before it starts.")})
        if self.stream_kind != self.StreamKind.NONE and not self.stream_url:
            raise ValidationError({"stream_url": _("Give the address of the stream.")})
        if self.stream_kind == self.StreamKind.EMBED and self.stream_url:
            self._check_embed_host()

    def _check_embed_host(self):
        parts = urlsplit(self.stream_url)
        site = self.get_site() if self.pk else None
        allowed = LiveSettings.for_site(site).hosts() if site else LiveSettings().hosts()
        if parts.scheme != "https" or (parts.hostname or "").lower() not in allowed:
            raise ValidationError(
                {
                    "stream_url": _("Embedded players must use https and a host from the allowed list: %(hosts)s")
                    % {"hosts": ", ".join(sorted(allowed)) or "–"}
                }
            )

    def elapsed_seconds(self, moment):
        if not self.started_at or not moment:
            return None
        return max(int((moment - self.started_at).total_seconds()), 0)

    def get_context(self, request, *args, **kwargs):
        from .views import session_context

        context = super().get_context(request, *args, **kwargs)
        context.update(session_context(request, self))
        return context


class AgendaItem(Orderable):
    session = ParentalKey(CouncilSessionPage, on_delete=models.CASCADE, related_name="agenda_items")
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    documents = StreamField([("document", DocumentChooserBlock())], verbose_name=_("documents"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    panels = [FieldPanel("title"), FieldPanel("description"), FieldPanel("documents")]

    class Meta(Orderable.Meta):
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self):
        return self.title

    @property
    def offset(self):
        return self.session.elapsed_seconds(self.started_at)


class Participant(models.Model):
    """A person's standing in one session: the row is locked while they post, which makes slow mode
    hold even for simultaneous posts, and it carries a moderator's ban."""

    session = models.ForeignKey(CouncilSessionPage, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_comment_at = models.DateTimeField(null=True, blank=True)
    banned = models.BooleanField(_("banned from commenting"), default=False)
    ban_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="live_participant_unique")]

    def __str__(self):
        return f"{self.user} @ {self.session_id}"


class LiveComment(models.Model):
    session = models.ForeignKey(CouncilSessionPage, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_comments")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    text = models.TextField(_("comment"), max_length=COMMENT_MAX_LENGTH)
    stream_offset = models.PositiveIntegerField(_("seconds into the stream"), null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("posted"), default=timezone.now)

    class Meta:
        verbose_name = _("live comment")
        verbose_name_plural = _("live comments")
        indexes = [models.Index(fields=["session", "-created_at"]), models.Index(fields=["agenda_item", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), COMMENT_MAX_LENGTH), name="live_comment_max_length"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="live_comment_not_empty"),
            models.CheckConstraint(condition=Q(hidden=False) | ~Q(hidden_reason=""), name="live_comment_hidden_reason"),
        ]

    def __str__(self):
        return f"{self.author} @ {self.session_id}: {self.text[:40]}"

    @property
    def html(self):
        return render_plain(self.text)


class Poll(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    session = models.ForeignKey(CouncilSessionPage, on_delete=models.CASCADE, related_name="polls")
    agenda_item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="polls")
    question = models.CharField(_("question"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("live poll")
        verbose_name_plural = _("live polls")

    def __str__(self):
        return self.question


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("answer"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["poll", "position"], name="live_poll_option_position_unique")]

    def __str__(self):
        return self.label


class PollAnswer(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="live_poll_one_answer_per_person")]

    def __str__(self):
        return f"{self.user} → {self.option}"
