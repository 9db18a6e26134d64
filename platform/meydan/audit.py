"""The audit log of staff actions: who did what, when, to which object and from which address.

Entries are Wagtail log entries (``ModelLogEntry``, or ``PageLogEntry`` when the target is a page), so
administrators browse and filter them in the Wagtail admin under Reports → Site history (by action,
user, object type and date), and a page's entries also show in its own history. The client address,
the request id and the caller's details are kept in the entry's ``data``.

Call it from a service, inside the transaction that makes the change, so that the entry exists if and
only if the change does::

    from meydan import audit

    audit.record(audit.ANSWER, actor=user, target=proposal, data={"state": "answered"})
    audit.record(audit.ROLE_CHANGE, actor=admin, target=membership, data={"from": "member", "to": "admin"},
                 request=request)

``action`` is one of the names below (registered with Wagtail's ``register_log_actions`` hook; an
unregistered name is refused by Wagtail). ``target`` is any saved model instance; without one the
entry is about the actor. ``data`` must be JSON-serialisable (dates, decimals and lazy translations
are fine). ``request`` is optional: ``RequestContextMiddleware`` remembers the current request in a
context variable, so a service called from a view knows the address without being handed the request;
management commands and background jobs record no address.

The log is append-only: the admin offers no way to edit or delete an entry, and saving an existing
``meydan.*`` entry again or deleting one raises ``AuditLogIsAppendOnly``. (Privacy erasure may still
scrub a former participant's name from entry labels with a queryset update; the entry itself stays.)
"""

from contextvars import ContextVar

from django.db.models.signals import pre_delete, pre_save
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

PREFIX = "meydan."
ANSWER = "meydan.answer"
STATE_CHANGE = "meydan.state_change"
MODERATION = "meydan.moderation"
REDIRECT = "meydan.redirect"
APPROVAL = "meydan.approval"
ROLE_CHANGE = "meydan.role_change"
VERIFICATION = "meydan.verification"
EXPORT = "meydan.export"
CRISIS_ON = "meydan.crisis.on"
CRISIS_OFF = "meydan.crisis.off"
CRISIS_PAUSED = "meydan.crisis.paused"
CRISIS_RESUMED = "meydan.crisis.resumed"

ACTIONS = {
    ANSWER: (_("Official answer"), _("Gave an official answer")),
    STATE_CHANGE: (_("State change"), _("Changed the state")),
    MODERATION: (_("Moderation"), _("Took a moderation decision")),
    REDIRECT: (_("Redirect"), _("Redirected to another department")),
    APPROVAL: (_("Approval"), _("Approved or refused")),
    ROLE_CHANGE: (_("Role change"), _("Changed a role")),
    VERIFICATION: (_("Verification"), _("Decided a verification")),
    EXPORT: (_("Export"), _("Exported data")),
    CRISIS_ON: (_("Crisis mode on"), _("Switched crisis mode on")),
    CRISIS_OFF: (_("Crisis mode off"), _("Switched crisis mode off")),
    CRISIS_PAUSED: (_("Paused for crisis mode"), _("Paused for crisis mode")),
    CRISIS_RESUMED: (_("Resumed after crisis mode"), _("Resumed after crisis mode")),
}

_request: ContextVar = ContextVar("meydan_audit_request", default=None)


class AuditLogIsAppendOnly(Exception):
    pass


def _formatter_class(label, message):
    from wagtail.log_actions import LogFormatter

    class MeydanLogFormatter(LogFormatter):
        def format_message(self, log_entry):
            # Site history shows the message column: put the summary and the address where admins read.
            parts = [str(message)]
            summary = (log_entry.data or {}).get("summary")
            if summary:
                parts.append(str(summary))
            ip = (log_entry.data or {}).get("ip")
            if ip:
                parts.append(str(_("from %(ip)s") % {"ip": ip}))
            return " · ".join(parts)

    MeydanLogFormatter.label = label
    MeydanLogFormatter.message = message
    return MeydanLogFormatter


@hooks.register("register_log_actions")
def register_log_actions(actions):
    for name, (label, message) in ACTIONS.items():
        actions.register_action(name)(_formatter_class(label, message))


def _ensure_registered():
    # The hook runs once, the first time Wagtail scans; if this module was imported after that scan,
    # register directly so that record() never meets an "unregistered action" error.
    from wagtail.log_actions import registry

    if registry.has_scanned_for_actions and ANSWER not in registry.formatters:
        register_log_actions(registry)


# Where a request came from ---------------------------------------------------------------------------


class RequestContextMiddleware:
    """Remembers the current request for the audit log (and for services that need the current site
    without being handed the request). Place it after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def current_request():
    return _request.get()


def client_ip(request):
    """The address the server saw. Behind a reverse proxy, the proxy must set REMOTE_ADDR (e.g. uvicorn's
    --proxy-headers with --forwarded-allow-ips): a client-supplied X-Forwarded-For would be a lie to log."""
    if request is None:
        return ""
    return (request.META.get("REMOTE_ADDR") or "")[:45]


def _actor_from(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


# Writing -----------------------------------------------------------------------------------------------


def record(action, *, actor, target=None, data=None, request=None):
    """Append an entry to the audit log and return it. See the module docstring."""
    from wagtail.log_actions import log

    if not action.startswith(PREFIX) or action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}; add it to meydan.audit.ACTIONS.")
    _ensure_registered()
    request = request if request is not None else current_request()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor is None:
        actor = _actor_from(request)
    instance = target if target is not None else actor
    if instance is None:
        from wagtail.models import Site

        # Nothing to hang the entry on (a job with no actor and no target): the default site.
        instance = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    entry_data = dict(data or {})
    entry_data["ip"] = client_ip(request)
    request_id = getattr(request, "request_id", "")
    if request_id:
        entry_data["request_id"] = request_id
    return log(instance, action, user=actor, data=entry_data)


# Append-only ----------------------------------------------------------------------------------------


def _refuse_change(sender, instance, **kwargs):
    if instance.pk and (instance.action or "").startswith(PREFIX) and not kwargs.get("raw"):
        raise AuditLogIsAppendOnly("Audit log entries cannot be changed.")


def _refuse_delete(sender, instance, **kwargs):
    if (instance.action or "").startswith(PREFIX):
        raise AuditLogIsAppendOnly("Audit log entries cannot be deleted.")


def connect_guards():
    """Called once at start-up (crisis.apps and meydan.accounts.services call it; idempotent)."""
    from wagtail.models import ModelLogEntry, PageLogEntry

    for model in (ModelLogEntry, PageLogEntry):
        pre_save.connect(_refuse_change, sender=model, dispatch_uid=f"meydan_audit_no_change_{model.__name__}")
        pre_delete.connect(_refuse_delete, sender=model, dispatch_uid=f"meydan_audit_no_delete_{model.__name__}")
