"""Which models hold questionnaires, and the host app's rules for them.

An app registers each host model from its AppConfig.ready()::

    from questionnaires import hosts

    hosts.register(
        ConsultationPage,
        field="questions",                                   # the StreamField(QuestionnaireBlock())
        can_respond=lambda user, page: (True, None) or (False, _("The consultation is closed.")),
        can_view_results=lambda user, page: page.results_public or is_staff(user, page),
        can_view_free_text=lambda user, page: is_staff(user, page),
        on_response=lambda response, created: ...,           # optional, runs after commit
        check_subject=lambda user, page, subject: (True, None),  # optional, see below
    )

`can_respond` carries the host's whole phase and eligibility policy: once it refuses (e.g. after the
closing date), nobody can answer, change or withdraw an answer. `subject` lets one host collect one
answer per person per subject (a satisfaction survey per closed request, "desk.request.42"): subjects
come from the browser, so a host that uses them must register `check_subject`; without it only the
empty subject is accepted.

Questionnaires on a model that is not registered are refused, whatever the URL says.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType

from .blocks import questions_from_stream


class UnknownHost(LookupError):
    pass


def _nobody(user, host):
    return False


def _only_empty_subject(user, host, subject):
    return (subject == "", None)


@dataclass(frozen=True)
class Host:
    model: type
    # Attribute name of the StreamField, or a callable host -> stream value.
    field: object
    # (user, host) -> (ok, translated message or None)
    can_respond: object
    # (user, host) -> bool: aggregated results (charts, tables, results CSV).
    can_view_results: object
    # (user, host) -> bool: the texts people wrote and the per-response CSV.
    can_view_free_text: object = _nobody
    # (response, created) -> None, called on commit after a response is stored.
    on_response: object = None
    # (user, host, subject) -> (ok, translated message or None)
    check_subject: object = _only_empty_subject

    def stream_of(self, host):
        if callable(self.field):
            return self.field(host)
        return getattr(host, self.field, None)

    def questions(self, host):
        return questions_from_stream(self.stream_of(host))


_registry = {}


def _key(model):
    return model._meta.concrete_model._meta.label_lower


def register(
    model,
    *,
    field="questions",
    can_respond,
    can_view_results,
    can_view_free_text=None,
    on_response=None,
    check_subject=None,
):
    _registry[_key(model)] = Host(
        model=model._meta.concrete_model,
        field=field,
        can_respond=can_respond,
        can_view_results=can_view_results,
        can_view_free_text=can_view_free_text or _nobody,
        on_response=on_response,
        check_subject=check_subject or _only_empty_subject,
    )


def unregister(model):
    _registry.pop(_key(model), None)


def is_registered(model):
    return _key(model) in _registry


def for_object(obj):
    """The registration of `obj`'s model; raises UnknownHost for anything else."""
    try:
        return _registry[_key(type(obj))]
    except (KeyError, AttributeError):
        raise UnknownHost(type(obj).__name__) from None


def content_type_of(obj):
    for_object(obj)
    return ContentType.objects.get_for_model(obj, for_concrete_model=True)


def resolve(content_type_id, object_id):
    """(registration, host) for an id pair from a URL; raises UnknownHost when either is unknown.
    A Wagtail page comes back as its specific class, so its StreamField is there."""
    try:
        content_type = ContentType.objects.get_for_id(content_type_id)
    except ContentType.DoesNotExist:
        raise UnknownHost(content_type_id) from None
    model = content_type.model_class()
    if model is None or not is_registered(model):
        raise UnknownHost(content_type_id)
    registration = _registry[_key(model)]
    host = registration.model._default_manager.filter(pk=object_id).first()
    if host is None:
        raise UnknownHost(f"{content_type_id}.{object_id}")
    return registration, host


def url_of(host):
    """Where the host's page is: get_absolute_url(), a Wagtail page's url, or the home page."""
    getter = getattr(host, "get_absolute_url", None)
    url = getter() if callable(getter) else getattr(host, "url", None)
    return url or "/"
