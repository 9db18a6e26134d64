"""Which models may carry comments, and the target app's rules for them.

An app registers each commentable model from its AppConfig.ready()::

    from comments import targets

    targets.register(
        Proposal,
        can_comment=lambda user, proposal: (True, None) or (False, _("Comments are closed.")),
        can_moderate=lambda user, proposal: has_org_role(user, proposal.organisation, MODERATION_ROLES),
        topic=lambda proposal: f"proposal.{proposal.pk}",   # or None: no live events
        can_view=lambda user, proposal: ...,                 # optional; default: everybody
        organisation_voice=False,   # True: an NGO's admin may comment as the NGO's official response
    )

Comments on a model that is not registered are refused, whatever the URL says.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType


class UnknownTarget(LookupError):
    pass


def _everybody(user, obj):
    return True


def _no_topic(obj):
    return None


@dataclass(frozen=True)
class Target:
    model: type
    # (user, obj) -> (ok, translated message or None). Must include the target app's visibility and
    # phase rules: it is asked before every comment, edit and like.
    can_comment: object
    # (user, obj) -> bool: may delete and hide anybody's comments on obj.
    can_moderate: object
    # obj -> "kind.id" or None: where live events about obj's comments go.
    topic: object = _no_topic
    # (user, obj) -> bool: may see obj (and so its comments). A target nobody may see answers 404.
    can_view: object = _everybody
    # Whether an organisation's admin may post the organisation's official response here.
    organisation_voice: bool = False


_registry = {}


def _key(model):
    return model._meta.concrete_model._meta.label_lower


def register(model, *, can_comment, can_moderate, topic=None, can_view=None, organisation_voice=False):
    _registry[_key(model)] = Target(
        model=model._meta.concrete_model,
        can_comment=can_comment,
        can_moderate=can_moderate,
        topic=topic or _no_topic,
        can_view=can_view or _everybody,
        organisation_voice=organisation_voice,
    )


def unregister(model):
    _registry.pop(_key(model), None)


def is_registered(model):
    return _key(model) in _registry


def for_object(obj):
    """The registration of `obj`'s model; raises UnknownTarget for anything else."""
    try:
        return _registry[_key(type(obj))]
    except (KeyError, AttributeError):
        raise UnknownTarget(type(obj).__name__) from None


def content_type_of(obj):
    for_object(obj)
    return ContentType.objects.get_for_model(obj)


def resolve(content_type_id, object_id):
    """(registration, object) for an id pair from a URL; raises UnknownTarget when either is unknown."""
    try:
        content_type = ContentType.objects.get_for_id(content_type_id)
    except ContentType.DoesNotExist:
        raise UnknownTarget(content_type_id) from None
    model = content_type.model_class()
    if model is None or not is_registered(model):
        raise UnknownTarget(content_type_id)
    target = _registry[_key(model)]
    obj = target.model._default_manager.filter(pk=object_id).first()
    if obj is None:
        raise UnknownTarget(f"{content_type_id}.{object_id}")
    return target, obj


def url_of(obj):
    """Where the target's page is: get_absolute_url(), a Wagtail page's url, or the home page."""
    getter = getattr(obj, "get_absolute_url", None)
    url = getter() if callable(getter) else getattr(obj, "url", None)
    return url or "/"
