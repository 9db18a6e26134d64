"""Use cases for accounts and organisations. Views, admin views and commands call these."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meydan import audit

from .models import Membership, Organisation, User
from .rules import can_review_organisations, forget_roles
from .tokens import email_confirmation_token


class AccountError(Exception):
    """A refused account action; `message` is translated and safe to show."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _site_url(site_url):
    return (site_url or settings.WAGTAILADMIN_BASE_URL).rstrip("/")


def _mail(user, subject, template, context):
    """Send an e-mail in the user's language once the current transaction has committed."""

    def send():
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            body = render_to_string(template, {"user": user, **context})
            send_mail(str(subject), body, None, [user.email])

    transaction.on_commit(send)


def confirmation_link(user, site_url=None):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_confirmation_token.make_token(user)
    path = reverse("accounts:confirm_email", kwargs={"uidb64": uid, "token": token})
    return _site_url(site_url) + path


def send_confirmation(user, site_url=None):
    link = confirmation_link(user, site_url)
    _mail(user, gettext_lazy("Confirm your e-mail address"), "accounts/email/confirm.txt", {"link": link})


def sign_up(*, email, password, display_name, preferred_language="", site_url=None):
    """Create an account and send the confirmation link.

    An address that already has an account gets a notice instead, and the caller shows the same
    "check your inbox" page either way, so sign-up cannot be used to find out who is registered.
    """
    email = User.objects.normalize_email(email).strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing:
        login_url = _site_url(site_url) + reverse("accounts:login")
        _mail(existing, gettext_lazy("Someone tried to sign up with your address"),
              "accounts/email/already_registered.txt", {"login_url": login_url})
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, display_name=display_name,
                preferred_language=preferred_language,
            )
    except IntegrityError:
        # A concurrent sign-up with the same address won the race; answer as above.
        return None
    send_confirmation(user, site_url)
    return user


def confirm_email(user):
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    return user


def update_profile(user, *, display_name, preferred_language):
    user.display_name = display_name
    user.preferred_language = preferred_language
    user.save(update_fields=["display_name", "preferred_language"])
    return user


def unique_slug(name):
    base = slugify(name, allow_unicode=True)[:180] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def apply_for_ngo(user, **fields):
    """An NGO applies to be verified; the applicant becomes its administrator straight away so that
    they can follow the application, but the organisation counts as verified only once staff say so."""
    if not user.is_authenticated or user.email_confirmed_at is None:
        raise AccountError(_("Confirm your e-mail address before applying for an organisation."))
    if Organisation.objects.filter(applied_by=user, status=Organisation.Status.PENDING).count() >= 3:
        raise AccountError(_("You already have three applications awaiting a decision."))
    organisation = Organisation.objects.create(
        kind=Organisation.Kind.NGO,
        status=Organisation.Status.PENDING,
        applied_by=user,
        slug=unique_slug(fields["name"]),
        **fields,
    )
    Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.ADMIN)
    return organisation


def _decide(organisation, reviewer, status, reason=""):
    if not can_review_organisations(reviewer):
        raise AccountError(_("You may not verify organisations."))
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if locked.status != Organisation.Status.PENDING:
        raise AccountError(_("This application has already been decided."))
    locked.status = status
    locked.decided_by = reviewer
    locked.decided_at = timezone.now()
    locked.rejection_reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason", "updated_at"])
    audit.record(
        audit.VERIFICATION,
        actor=reviewer,
        target=locked,
        data={"summary": locked.get_status_display(), "status": status, "reason": reason},
    )
    return locked


@transaction.atomic
def approve_organisation(organisation, reviewer, site_url=None):
    organisation = _decide(organisation, reviewer, Organisation.Status.VERIFIED)
    if organisation.applied_by:
        link = _site_url(site_url) + organisation.get_absolute_url()
        _mail(organisation.applied_by, gettext_lazy("Your organisation has been verified"),
              "accounts/email/organisation_verified.txt", {"organisation": organisation, "link": link})
    return organisation


@transaction.atomic
def reject_organisation(organisation, reviewer, reason):
    reason = (reason or "").strip()
    if not reason:
        raise AccountError(_("Give the reason for the rejection; the applicant will read it."))
    organisation = _decide(organisation, reviewer, Organisation.Status.REJECTED, reason)
    if organisation.applied_by:
        _mail(organisation.applied_by, gettext_lazy("Your organisation application was not accepted"),
              "accounts/email/organisation_rejected.txt", {"organisation": organisation})
    return organisation


# Role changes ------------------------------------------------------------------------------------------
# Roles are edited in the organisation's admin form (an inline of memberships), which saves the rows
# itself; signals are the one place that sees every change. The actor comes from the request (the audit
# middleware) or, in the Wagtail admin, from its log context.


def _acting_user():
    from wagtail.log_actions import get_active_log_context

    return get_active_log_context().user


def _remember_old_role(sender, instance, raw=False, **kwargs):
    if raw or not instance.pk:
        return
    instance._audit_old_role = Membership.objects.filter(pk=instance.pk).values_list("role", flat=True).first()


def _audit_role_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    old = None if created else getattr(instance, "_audit_old_role", None)
    if not created and old == instance.role:
        return
    audit.record(
        audit.ROLE_CHANGE,
        actor=_acting_user(),
        target=instance.organisation,
        data={
            "summary": f"{instance.user_id}: {old or '-'} → {instance.role}",
            "user": instance.user_id,
            "from": old or "",
            "to": instance.role,
        },
    )


def _audit_role_removed(sender, instance, **kwargs):
    organisation = Organisation.objects.filter(pk=instance.organisation_id).first()
    if organisation is None:  # the whole organisation is being deleted
        return
    audit.record(
        audit.ROLE_CHANGE,
        actor=_acting_user(),
        target=organisation,
        data={
            "summary": f"{instance.user_id}: {instance.role} → -",
            "user": instance.user_id,
            "from": instance.role,
            "to": "",
        },
    )


# Account flags that grant or take away powers; each change is audited with who made it.
AUDITED_FLAGS = {
    "is_verified": audit.VERIFICATION,
    "is_staff": audit.ROLE_CHANGE,
    "is_superuser": audit.ROLE_CHANGE,
    "is_active": audit.STATE_CHANGE,
}


def _remember_old_flags(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._audit_old_flags = None
    # Logins save last_login alone: no query for them.
    if raw or not instance.pk or (update_fields is not None and not set(update_fields) & set(AUDITED_FLAGS)):
        return
    instance._audit_old_flags = sender.objects.filter(pk=instance.pk).values(*AUDITED_FLAGS).first()


def _audit_flags_saved(sender, instance, created, raw=False, **kwargs):
    old = getattr(instance, "_audit_old_flags", None)
    if raw or created or not old:
        return
    for flag, action in AUDITED_FLAGS.items():
        if old[flag] != getattr(instance, flag):
            audit.record(
                action,
                actor=_acting_user(),
                target=instance,
                data={"summary": f"{flag}: {old[flag]} → {getattr(instance, flag)}", "field": flag},
            )


def _audit_groups_changed(sender, instance, action, pk_set, reverse=False, **kwargs):
    """Wagtail's groups are roles too (editors, moderators, communications office)."""
    if action not in ("post_add", "post_remove", "pre_clear") or reverse:
        return
    from django.contrib.auth.models import Group

    if action == "pre_clear":
        pk_set, action = set(instance.groups.values_list("pk", flat=True)), "post_remove"
    if not pk_set:
        return
    names = sorted(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    change = "added" if action == "post_add" else "removed"
    audit.record(
        audit.ROLE_CHANGE,
        actor=_acting_user(),
        target=instance,
        data={"summary": f"groups {change}: {', '.join(names)}", change: names},
    )


def connect_audit():
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

    user_model = get_user_model()
    pre_save.connect(_remember_old_role, sender=Membership, dispatch_uid="accounts_audit_old_role")
    post_save.connect(_audit_role_saved, sender=Membership, dispatch_uid="accounts_audit_role_saved")
    post_delete.connect(_audit_role_removed, sender=Membership, dispatch_uid="accounts_audit_role_removed")
    post_save.connect(forget_roles, sender=Membership, dispatch_uid="accounts_forget_roles_saved")
    post_delete.connect(forget_roles, sender=Membership, dispatch_uid="accounts_forget_roles_deleted")
    pre_save.connect(_remember_old_flags, sender=user_model, dispatch_uid="accounts_audit_old_flags")
    post_save.connect(_audit_flags_saved, sender=user_model, dispatch_uid="accounts_audit_flags_saved")
    m2m_changed.connect(_audit_groups_changed, sender=user_model.groups.through, dispatch_uid="accounts_audit_groups")
    audit.connect_guards()


connect_audit()
