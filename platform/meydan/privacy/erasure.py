"""Account erasure: one transaction that applies `policy.POLICY` to every relation to the user, handles
the personal data no foreign key points to, and anonymises the user row itself.

The user row stays (see policy.py for why) as an inactive "former participant" account. Totals do
not move: supports, likes and poll answers stay linked to that row, questionnaire responses lose
their link. Files are deleted only after the transaction commits.
"""

import re
import secrets

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from . import retention
from .policy import DELETE, ERASED_EMAIL_DOMAIN, KEEP, UNLINK, installed_policy
from .services import PrivacyRefused, confirm_password

KEEP_CONTRIBUTIONS = "keep"
REMOVE_CONTRIBUTIONS = "remove"
MODES = (KEEP_CONTRIBUTIONS, REMOVE_CONTRIBUTIONS)


def is_erased(user):
    return bool(user.email) and user.email.endswith("@" + ERASED_EMAIL_DOMAIN)


class Erasure:
    """What the handlers need to know about the account being erased."""

    def __init__(self, user, mode):
        self.user = user
        self.mode = mode
        self.old_email = user.email
        self.old_name = user.public_name
        self.old_names = {name for name in (user.display_name, user.get_full_name(), user.public_name) if name}
        self.now = timezone.now()
        self.files = []  # (storage, name) deleted after commit
        with translation.override(settings.LANGUAGE_CODE):
            # Stored text, so written in the site's language (see the report: public_name could
            # translate it per reader instead).
            self.former = _("former participant")
            self.removed = _("[removed by its author]")


# Handlers: (queryset of rows pointing at the user, field, erasure) -> None ---------------------------


def _keep(queryset, field, erasure):
    pass


def _unlink(queryset, field, erasure):
    queryset.update(**{field.name: None})


def _delete(queryset, field, erasure):
    queryset.delete()


def _wipe_proposal(queryset, field, erasure):
    from wagtail.search.index import insert_or_update_object

    image_field = queryset.model._meta.get_field("image")
    for proposal in queryset:
        if proposal.image:
            erasure.files.append((image_field.storage, proposal.image.name))
        proposal.title = proposal.body = erasure.removed
        proposal.district = ""
        proposal.image = ""
        proposal.save(update_fields=["title", "body", "district", "image", "updated_at"])
        proposal.tags.clear()
        # The search index holds a copy of the old text.
        insert_or_update_object(proposal)


def _wipe_comment(queryset, field, erasure):
    # The comments app's own deletion: the row stays so that replies keep their thread.
    queryset.filter(is_deleted=False).update(is_deleted=True, text="")


def _wipe_flag_text(queryset, field, erasure):
    queryset.update(text="")


def _wipe_live_comment(queryset, field, erasure):
    queryset.filter(hidden=False).update(hidden=True, hidden_reason=erasure.removed, hidden_at=erasure.now)
    queryset.update(text=erasure.removed)


def _wipe_question(queryset, field, erasure):
    queryset.update(text=erasure.removed, **{field.name: None})


def _unlink_request(queryset, field, erasure):
    queryset.update(requester=None, contact_email=f"nobody@{ERASED_EMAIL_DOMAIN}")


def _purge_request(queryset, field, erasure):
    retention.anonymise_requests(queryset)


def _unlock_page(queryset, field, erasure):
    queryset.update(locked=False, locked_at=None, locked_by=None)


def _delete_user_profile(queryset, field, erasure):
    avatar = queryset.model._meta.get_field("avatar")
    erasure.files += [(avatar.storage, name) for name in queryset.values_list("avatar", flat=True) if name]
    queryset.delete()


HANDLERS = {
    KEEP: _keep,
    UNLINK: _unlink,
    DELETE: _delete,
    "wipe_proposal": _wipe_proposal,
    "wipe_comment": _wipe_comment,
    "wipe_flag_text": _wipe_flag_text,
    "wipe_live_comment": _wipe_live_comment,
    "wipe_question": _wipe_question,
    "unlink_request": _unlink_request,
    "purge_request": _purge_request,
    "unlock_page": _unlock_page,
    "delete_user_profile": _delete_user_profile,
}


# Personal data that no foreign key points to ------------------------------------------------------


def _model(label):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _requests_by_address(erasure):
    """Requests sent without an account from the same address are the person's too."""
    Request = _model("desk.Request")
    if Request is None:
        return
    queryset = Request.objects.filter(contact_email__iexact=erasure.old_email)
    handler = _purge_request if erasure.mode == REMOVE_CONTRIBUTIONS else _unlink_request
    handler(queryset, Request._meta.get_field("requester"), erasure)


def _ratings(erasure):
    Satisfaction = _model("desk.Satisfaction")
    if Satisfaction is None or erasure.mode != REMOVE_CONTRIBUTIONS:
        return
    Satisfaction.objects.filter(respondent_key=f"user:{erasure.user.pk}").update(comment="")


def _ratings_of_own_requests(erasure):
    """Before the requests are unlinked: ratings of one's own requests carry no user key."""
    Request, Satisfaction = _model("desk.Request"), _model("desk.Satisfaction")
    if Request is None or Satisfaction is None or erasure.mode != REMOVE_CONTRIBUTIONS:
        return
    ids = list(Request.objects.filter(requester=erasure.user).values_list("pk", flat=True))
    content_type = ContentType.objects.get_for_model(Request)
    Satisfaction.objects.filter(content_type=content_type, object_id__in=ids, respondent_key="").update(comment="")


def _login_records(erasure):
    if not apps.is_installed("axes"):
        return
    for label in ("axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog"):
        model = _model(label)
        if model is not None:
            model.objects.filter(username__iexact=erasure.old_email).delete()


def _sessions(erasure):
    """End the person's sessions everywhere (the unusable password already invalidates them at the
    next request; this removes the rows too)."""
    if not settings.SESSION_ENGINE.startswith("django.contrib.sessions.backends.db"):
        return
    user_id = str(erasure.user.pk)
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=erasure.now).iterator(chunk_size=1000)
        if str(session.get_decoded().get("_auth_user_id")) == user_id
    ]
    Session.objects.filter(pk__in=doomed).delete()


def _replayed_events(erasure, comment_ids):
    """Live events are replayed to browsers that reconnect: their copies of the name (and, when
    removing, of the text) are rewritten."""
    Event = _model("live.Event")
    if Event is None or not erasure.old_names:
        return
    for event in Event.objects.filter(payload__author__in=list(erasure.old_names)).iterator():
        payload = event.payload
        if payload.get("author_id") != erasure.user.pk and payload.get("id") not in comment_ids:
            continue
        payload["author"] = erasure.former
        if erasure.mode == REMOVE_CONTRIBUTIONS and "html" in payload:
            payload["html"] = escape(erasure.removed)
        Event.objects.filter(pk=event.pk).update(payload=payload)


def _names_in_texts(erasure):
    """Labels of audit log entries about the person's objects and notifications to others ("X replied")
    repeat the name; replace it as a whole word."""
    patterns = [re.compile(rf"(?<!\w){re.escape(name)}(?!\w)") for name in erasure.old_names | {erasure.old_email}]

    def scrub(text):
        for pattern in patterns:
            text = pattern.sub(erasure.former, text)
        return text

    targets = [
        ("wagtailcore.ModelLogEntry", ("label",)),
        ("wagtailcore.PageLogEntry", ("label",)),
        ("notifications.Notification", ("title", "body")),
    ]
    for label, fields in targets:
        model = _model(label)
        if model is None:
            continue
        condition = Q()
        for field in fields:
            for name in erasure.old_names | {erasure.old_email}:
                condition |= Q(**{f"{field}__contains": name})
        for row in model.objects.filter(condition).iterator():
            values = {field: scrub(getattr(row, field)) for field in fields}
            model.objects.filter(pk=row.pk).update(**values)


def _own_comment_ids(user):
    ids = set()
    for label in ("comments.Comment", "live.LiveComment"):
        model = _model(label)
        if model is not None:
            ids.update(model.objects.filter(author=user).values_list("pk", flat=True))
    return ids


def _anonymise_account(erasure):
    user = erasure.user
    user.email = f"erased-{secrets.token_hex(12)}@{ERASED_EMAIL_DOMAIN}"
    user.display_name = erasure.former[:80]
    user.first_name = user.last_name = user.preferred_language = ""
    user.email_confirmed_at = user.verified_at = user.last_login = None
    user.is_verified = user.is_active = user.is_staff = user.is_superuser = False
    user.date_joined = erasure.now
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


def erase_account(user, *, password, mode):
    """The person erases their own account, keeping or removing their contributions.

    Erasing an account that is already erased changes nothing (a second submit finds it so).
    """
    if mode not in MODES:
        raise PrivacyRefused("invalid", _("Choose what happens to your contributions."))
    if user.is_authenticated and is_erased(user):
        return user
    confirm_password(user, password)
    user_model = get_user_model()
    with transaction.atomic():
        locked = user_model._base_manager.select_for_update().get(pk=user.pk)
        if is_erased(locked):
            return locked
        erasure = Erasure(locked, mode)
        comment_ids = _own_comment_ids(locked)
        _ratings_of_own_requests(erasure)
        for _key, model, field, rule in installed_policy():
            action = rule.keep if mode == KEEP_CONTRIBUTIONS else rule.remove
            queryset = model._base_manager.filter(**{field.name: locked})
            HANDLERS[action](queryset, field, erasure)
        _requests_by_address(erasure)
        _ratings(erasure)
        _login_records(erasure)
        _replayed_events(erasure, comment_ids)
        _names_in_texts(erasure)
        _anonymise_account(erasure)
        _sessions(erasure)
        retention._delete_files_on_commit(erasure.files)
    return locked
