"""Websocket message types that change something (post a comment, answer a poll).

Handlers are plain synchronous functions ``handler(user, data) -> dict | None`` that call the same
services as the HTML views; they raise ``Refused`` to send an error frame. Register them with
``@action("comment.post", fields={"session": int, "text": str})``.

Every type is rate limited per person (meydan.ratelimit): by the scope "ws.<type>" of
MEYDAN_RATE_LIMITS when it has one, otherwise by the shared "ws.action", so a new type is never
unlimited. The consumer answers a refusal with an error frame of code "rate_limited".
"""

from dataclasses import dataclass

from django.conf import settings


class Refused(Exception):
    """A refused action; ``message`` is translated and shown to the user."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Action:
    type: str
    handler: object
    fields: dict
    optional: frozenset

    @property
    def rate_scope(self):
        own = f"ws.{self.type}"
        return own if own in settings.MEYDAN_RATE_LIMITS else "ws.action"


_actions = {}


def action(type, *, fields, optional=()):
    def register(handler):
        _actions[type] = Action(type, handler, fields, frozenset(optional))
        return handler

    return register


def get(type):
    return _actions.get(type)


def validate(spec, message):
    """Only the declared fields, each of its declared type (bool is not an int here)."""
    data = {}
    for name, kind in spec.fields.items():
        if name not in message:
            if name in spec.optional:
                continue
            return None, name
        value = message[name]
        if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
            return None, name
        data[name] = value
    return data, None
