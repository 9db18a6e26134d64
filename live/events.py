"""Writing events: in the transaction of the change, broadcast after commit."""

import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import IntegrityError, connection, transaction

from .groups import topic_group
from .models import Event, Topic

logger = logging.getLogger(__name__)


def _locked_topic(name):
    """The topic row, locked until commit so that sequence numbers follow commit order."""
    try:
        return Topic.objects.select_for_update().get(name=name)
    except Topic.DoesNotExist:
        try:
            with transaction.atomic():
                Topic.objects.create(name=name)
        except IntegrityError:
            pass  # created by a concurrent transaction; the lock below waits for it
        return Topic.objects.select_for_update().get(name=name)


def publish(topic, type, payload):
    if not connection.in_atomic_block:
        raise RuntimeError("live.publish() must run inside the transaction that makes the change")
    row = _locked_topic(topic)
    sequence = row.last_sequence + 1
    Topic.objects.filter(pk=row.pk).update(last_sequence=sequence)
    event = Event.objects.create(topic=row, sequence=sequence, type=type, payload=payload)
    frame = event.as_frame(topic)
    transaction.on_commit(lambda: broadcast(topic, frame))
    return event


def broadcast(topic, frame):
    """Send to the topic's group. A failure here loses nothing: the event is stored, and clients
    notice the gap (or the heartbeat's sequence numbers) and replay it from the table."""
    layer = get_channel_layer()
    try:
        # Encoded once here rather than once per socket.
        text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
        async_to_sync(layer.group_send)(topic_group(topic), {"type": "live.event", "frame": frame, "text": text})
    except Exception:  # the channel layer being down must not fail the request that wrote the change
        logger.exception("broadcast to %s failed", topic)


def send_ephemeral(topic, frame):
    """Frames that are not logged (counters, viewer numbers): only the latest value matters."""
    broadcast(topic, {**frame, "topic": topic})


def events_after(topic, since, limit):
    return list(
        Event.objects.filter(topic__name=topic, sequence__gt=since).order_by("sequence")[:limit]
    )


def last_sequences(topics):
    return dict(Topic.objects.filter(name__in=topics).values_list("name", "last_sequence"))
