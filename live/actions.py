"""Websocket message types that change something (post a comment, answer a poll).

Handlers are plain synchronous functions ``handler(user, data) -> dict | None`` that call the same
services as the HTML views; they raise ``Refused`` to send an error frame. Register them with
``@action("comment.post", fields={"session": int, "text": str})``.
"""

from dataclasses import dataclass


class Refused(Exception):
    """A refused action; ``message`` is translated and shown to the user."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Action:
    handler: object
    fields: dict
    optional: frozenset


_actions = {}


def action(type, *, fields, optional=()):
    def register(handler):
        _actions[type] = Action(handler, fields, frozenset(optional))
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
