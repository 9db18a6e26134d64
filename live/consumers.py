"""The one websocket endpoint, ``/ws/``: subscribe to topics, replay what was missed, then stream.

Protocol: docs/protocol.md. Every frame is validated (size, JSON, type, fields) and every
subscription and action is permission-checked on the server; a bad frame gets an error frame and the
socket stays usable, except for flooding, which closes it with code 4429. Each action type is also
rate limited per person (meydan.ratelimit, the same counters as the HTML forms): past the limit an
action gets an error frame "rate_limited" and changes nothing, well before the flood limit is reached.
"""

import asyncio
import json
import logging
import os
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _

from meydan import ratelimit

from . import actions, topics
from .coalescing import coalesce
from .events import events_after, last_sequences
from .groups import topic_group

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 4096
MAX_SUBSCRIPTIONS = 20
REPLAY_LIMIT = 500
HEARTBEAT_SECONDS = float(os.environ.get("MEYDAN_LIVE_HEARTBEAT", "25"))  # tests of other processes shorten it
RATE_PER_SECOND = 10
RATE_BURST = 30
CLOSE_FLOOD = 4429


def viewer_key(topic):
    return f"live:viewers:{topic}"


class LiveConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.closed = False
        self.subscriptions = {}
        self.tokens = RATE_BURST
        self.refilled = time.monotonic()
        self.language = self._language()
        self.rate_key = ratelimit.person_key(self.scope.get("user"), (self.scope.get("client") or ("",))[0])
        await self.accept()
        self.heartbeat = asyncio.ensure_future(self._heartbeat())

    async def dispatch(self, message):
        """Channels closes stale database connections before every message, through Django's one
        sync thread; for a broadcast to thousands of sockets that round trip was most of the cost.
        Live events touch the database only through database_sync_to_async, which does it anyway."""
        if message.get("type") == "live.event":
            await self.live_event(message)
            return
        await super().dispatch(message)

    async def disconnect(self, code):
        self.closed = True
        if getattr(self, "heartbeat", None):
            self.heartbeat.cancel()
        for topic in list(getattr(self, "subscriptions", {})):
            await self._leave(topic)

    # Incoming frames -----------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if not self._take_token():
            await self.close(code=CLOSE_FLOOD)
            return
        with translation.override(self.language):
            message = await self._parse(text_data, bytes_data)
            if message is None:
                return
            handler = {
                "subscribe": self._subscribe,
                "unsubscribe": self._unsubscribe,
                "ping": self._ping,
            }.get(message["type"], self._action)
            await handler(message)

    async def _parse(self, text_data, bytes_data):
        if bytes_data is not None or text_data is None or len(text_data.encode()) > MAX_FRAME_BYTES:
            await self.error("bad_frame", _("Frames must be JSON text of at most 4 KB."))
            return None
        try:
            message = json.loads(text_data)
        except ValueError:
            await self.error("bad_json", _("Frames must be valid JSON."))
            return None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.error("unknown_type", _("Unknown message type."))
            return None
        return message

    async def _ping(self, message):
        await self.send_json({"type": "pong", "ref": message.get("ref") if _is_ref(message.get("ref")) else None})

    async def _subscribe(self, message):
        topic, since = message.get("topic"), message.get("since", 0)
        if not isinstance(topic, str) or not _is_count(since):
            await self.error("bad_request", _("Subscribe needs a topic and a non-negative 'since'."), topic=topic)
            return
        try:
            allowed = await database_sync_to_async(topics.can_subscribe)(self.scope["user"], topic)
        except topics.UnknownTopic:
            await self.error("not_found", _("There is no such topic."), topic=topic)
            return
        if not allowed:
            await self.error("forbidden", _("You may not follow this topic."), topic=topic)
            return
        if topic not in self.subscriptions and len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            await self.error("too_many", _("Too many subscriptions on one connection."), topic=topic)
            return
        await self._join(topic, since)

    async def _join(self, topic, since):
        fresh = topic not in self.subscriptions
        self.subscriptions[topic] = since
        # Join the group before reading the log: an event committed in between is then in the
        # replay or in the group stream (or both; _deliver drops what was already sent).
        await self.channel_layer.group_add(topic_group(topic), self.channel_name)
        if fresh:
            await database_sync_to_async(_add_viewer)(topic, 1)
        await self._catch_up(topic, since)
        await self.send_json({"type": "subscribed", "topic": topic, "seq": self.subscriptions[topic]})
        for frame in await database_sync_to_async(topics.snapshot)(topic):
            await self.send_json(frame)

    async def _catch_up(self, topic, since):
        """Send the logged events after `since`, or a reset if there are too many to replay."""
        replay = await database_sync_to_async(events_after)(topic, since, REPLAY_LIMIT + 1)
        if len(replay) > REPLAY_LIMIT:
            latest = (await database_sync_to_async(last_sequences)([topic])).get(topic, since)
            self.subscriptions[topic] = latest
            await self.send_json({"type": "reset", "topic": topic, "seq": latest})
            return
        for event in replay:
            self.subscriptions[topic] = event.sequence
            await self.send_json(event.as_frame(topic))

    async def _unsubscribe(self, message):
        topic = message.get("topic")
        if topic in self.subscriptions:
            await self._leave(topic)
        await self.send_json({"type": "unsubscribed", "topic": topic if isinstance(topic, str) else None})

    async def _leave(self, topic):
        self.subscriptions.pop(topic, None)
        await self.channel_layer.group_discard(topic_group(topic), self.channel_name)
        await database_sync_to_async(_add_viewer)(topic, -1)

    async def _action(self, message):
        spec = actions.get(message["type"])
        if spec is None:
            await self.error("unknown_type", _("Unknown message type."))
            return
        data, bad_field = actions.validate(spec, message)
        if data is None:
            await self.error("bad_request", _("The field '%(field)s' is missing or invalid.") % {"field": bad_field})
            return
        ref = message.get("ref") if _is_ref(message.get("ref")) else None
        try:
            result = await database_sync_to_async(_run_action)(
                spec, self.scope["user"], data, self.language, self.rate_key
            )
        except ratelimit.RateLimited as limited:
            await self.error(limited.code, limited.message, ref=ref, retry_after=limited.retry_after)
            return
        except actions.Refused as refused:
            await self.error(refused.code, refused.message, ref=ref)
            return
        await self.send_json({"type": "ok", "ref": ref, "data": result or {}})

    # Outgoing frames -----------------------------------------------------------------------

    async def live_event(self, message):
        frame = message["frame"]
        topic = frame.get("topic")
        if topic not in self.subscriptions:
            return
        if "seq" not in frame:
            await self._send_text(message.get("text") or _dumps(frame))  # a value: no sequence, latest wins
            return
        last = self.subscriptions[topic]
        if frame["seq"] <= last:
            return  # already sent: replay and live stream overlap
        if frame["seq"] > last + 1:
            # Broadcasts from several processes can overtake each other; the log has the order.
            await self._catch_up(topic, last)
            return
        self.subscriptions[topic] = frame["seq"]
        await self._send_text(message.get("text") or _dumps(frame))

    async def _heartbeat(self):
        """Tells clients the latest sequence of each topic, so a broadcast lost on the way (Redis
        restart, full channel) is noticed and replayed within one heartbeat."""
        try:
            while True:
                await asyncio.sleep(HEARTBEAT_SECONDS)
                names = list(self.subscriptions)
                latest = await database_sync_to_async(last_sequences)(names) if names else {}
                await self.send_json({"type": "ping", "topics": {name: latest.get(name, 0) for name in names}})
        except asyncio.CancelledError:
            pass

    async def send_json(self, content):
        await self._send_text(_dumps(content))

    async def _send_text(self, text):
        if not self.closed:  # a backlog may still hold events for a socket that is gone
            await self.send(text_data=text)

    async def error(self, code, detail, **extra):
        await self.send_json({"type": "error", "code": code, "detail": str(detail), **extra})

    # Helpers -------------------------------------------------------------------------------

    def _take_token(self):
        now = time.monotonic()
        self.tokens = min(RATE_BURST, self.tokens + (now - self.refilled) * RATE_PER_SECOND)
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def _language(self):
        user = self.scope.get("user")
        cookies = self.scope.get("cookies", {})
        choice = cookies.get(settings.LANGUAGE_COOKIE_NAME) or getattr(user, "preferred_language", "")
        return choice if choice in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _dumps(content):
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"))


def _run_action(spec, user, data, language, rate_key):
    # Counted before the handler runs, so a refused action never reaches the services. Types that share
    # the "ws.action" limit still count apart.
    ratelimit.hit(spec.rate_scope, f"{rate_key}:{spec.type}")
    with translation.override(language):
        return spec.handler(user, data)


def _add_viewer(topic, delta):
    key = viewer_key(topic)
    if not (delta > 0 and cache.add(key, 1, timeout=None)):
        try:
            cache.incr(key, delta)
        except ValueError:
            cache.set(key, max(delta, 0), timeout=None)
    coalesce(topic, "viewers", "count", lambda: viewers(topic))


def viewers(topic):
    return max(cache.get(viewer_key(topic), 0), 0)


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**62


def _is_ref(value):
    return isinstance(value, (str, int)) and not isinstance(value, bool) and len(str(value)) <= 40
