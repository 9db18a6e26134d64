"""Which topics exist and who may subscribe to them.

A topic is ``<kind>.<id>`` (e.g. ``session.42``). Apps register each kind with a predicate
``can_subscribe(user, id) -> bool`` from their AppConfig.ready(); unknown kinds are refused.
"""

import re

TOPIC_PATTERN = re.compile(r"^([a-z][a-z_]{0,30})\.([0-9]{1,18})$")
_kinds = {}
_snapshots = {}


class UnknownTopic(ValueError):
    pass


def register(kind, can_subscribe, snapshot=None):
    """`snapshot(id)` returns the current coalesced values of the topic as value frames, sent after
    every subscribe: values are not logged, so a page that subscribes late or reconnects learns
    them this way."""
    _kinds[kind] = can_subscribe
    if snapshot is not None:
        _snapshots[kind] = snapshot


def snapshot(topic):
    kind, object_id = parse(topic)
    make = _snapshots.get(kind)
    return [{**frame, "type": "value", "topic": topic} for frame in make(object_id)] if make else []


def parse(topic):
    match = TOPIC_PATTERN.match(topic) if isinstance(topic, str) else None
    if not match or match.group(1) not in _kinds:
        raise UnknownTopic(topic)
    return match.group(1), int(match.group(2))


def can_subscribe(user, topic):
    kind, object_id = parse(topic)
    return bool(_kinds[kind](user, object_id))


def name(kind, object_id):
    return f"{kind}.{object_id}"
