"""Live updates. Public API for other apps:

- ``live.publish(topic, type, payload)``: record an event in the current transaction; it is
  broadcast to the topic's subscribers after commit.
- ``live.coalesce(topic, type, key, compute)``: push a high-rate value (a counter) at most a few
  times per second per topic, always ending with the latest value.
- ``live.topics.register(kind, can_subscribe)`` and ``live.actions.action(type)`` to add topics and
  websocket message types.
"""


def publish(topic, type, payload):
    from .events import publish as _publish

    return _publish(topic, type, payload)


def coalesce(topic, type, key, compute):
    from .coalescing import coalesce as _coalesce

    return _coalesce(topic, type, key, compute)
