"""Which topics exist and who may subscribe to them.

A topic is ``<kind>.<id>`` (e.g. ``session.42``). Apps register each kind with a predicate
``can_subscribe(user, id) -> bool`` from their AppConfig.ready(); unknown kinds are refused.
"""

import re

TOPIC_PATTERN = re.compile(r"^([a-z][a-z_]{0,30})\.([0-9]{1,18})$")
_kinds = {}


class UnknownTopic(ValueError):
    pass


def register(kind, can_subscribe):
    _kinds[kind] = can_subscribe


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
