"""Which models can be moderated, and how each app hides and restores its own content.

The moderation services write the log, check the guideline and reason, and notify the author; the
app keeps its own way of hiding (a live comment, for example, vanishes from every open page at once
over the websocket). Registrations (see moderation/registrations.py)::

    targets.register(
        LiveComment,
        label=_("live comment"),
        hide=lambda moderator, comment, reason: ...,      # inside the caller's transaction; lock the row
        restore=lambda moderator, comment, reason: ...,
        author_of=lambda comment: comment.author_id,
        can_moderate=lambda user, comment: ...,
        is_hidden=lambda comment: comment.hidden,
        url_of=lambda comment: comment.session.url,     # where the author finds it
        excerpt=lambda comment: comment.text,           # shown to the author and to moderators only
        refused=(Refused,),                             # the app's refusals: they carry code and message
        flaggable=None,                                 # optional: (user, obj) raises the app's refusal when
                                                        # the person may not see or report it
        flagged=None,                                   # optional: (user, limit) -> [Flagged], a faster
                                                        # query than moderation.reports.flagged
    )

Reports themselves are moderation.Flag rows for every registered type.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType


class UnknownTarget(LookupError):
    pass


@dataclass(frozen=True)
class Flagged:
    """Content with open reports, as the moderators' queue shows it."""

    obj: object
    count: int
    first_at: datetime
    reasons: list = field(default_factory=list)  # [(rule key, details)]


@dataclass(frozen=True)
class Target:
    model: type
    label: object
    hide: object
    restore: object
    author_of: object
    can_moderate: object
    is_hidden: object
    url_of: object
    excerpt: object
    refused: tuple = ()
    flaggable: object = None
    flagged: object = None

    @property
    def key(self):
        return _key(self.model)

    def content_type(self):
        return ContentType.objects.get_for_model(self.model)


_registry = {}


def _key(model):
    return model._meta.concrete_model._meta.label_lower


def register(
    model,
    *,
    label,
    hide,
    restore,
    author_of,
    can_moderate,
    is_hidden,
    url_of=None,
    excerpt=None,
    refused=(),
    flaggable=None,
    flagged=None,
):
    _registry[_key(model)] = Target(
        model=model._meta.concrete_model,
        label=label,
        hide=hide,
        restore=restore,
        author_of=author_of,
        can_moderate=can_moderate,
        is_hidden=is_hidden,
        url_of=url_of or _absolute_url,
        excerpt=excerpt or str,
        refused=tuple(refused),
        flaggable=flaggable,
        flagged=flagged,
    )


def unregister(model):
    _registry.pop(_key(model), None)


def registered():
    return list(_registry.values())


def for_object(obj):
    try:
        return _registry[_key(type(obj))]
    except (KeyError, AttributeError):
        raise UnknownTarget(type(obj).__name__) from None


def for_content_type(content_type):
    """The registration for a ContentType (or None): used to label log rows without loading content."""
    model = content_type.model_class() if content_type is not None else None
    return _registry.get(_key(model)) if model is not None else None


def for_key(key):
    return _registry.get(key)


def resolve(content_type_id, object_id):
    """(registration, object) from ids in a URL; raises UnknownTarget when either is unknown."""
    try:
        content_type = ContentType.objects.get_for_id(content_type_id)
    except ContentType.DoesNotExist:
        raise UnknownTarget(content_type_id) from None
    registration = for_content_type(content_type)
    if registration is None:
        raise UnknownTarget(content_type_id)
    obj = registration.model._default_manager.filter(pk=object_id).first()
    if obj is None:
        raise UnknownTarget(f"{content_type_id}.{object_id}")
    return registration, obj


def _absolute_url(obj):
    getter = getattr(obj, "get_absolute_url", None)
    return (getter() if callable(getter) else getattr(obj, "url", None)) or "/"
