"""The event log: every change that open pages must see, in commit order, per topic."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
