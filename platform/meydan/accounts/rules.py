"""Permission predicates for accounts and organisations (the `rules` package).

Other apps build on `has_org_role`: an administrator or official of a municipality also acts for
its departments, so a proposal routed to a department can be answered by the municipality's staff.
"""

import rules

from .models import Membership, Organisation

STAFF_ROLES = (Membership.Role.ADMIN, Membership.Role.OFFICIAL)
MODERATION_ROLES = (Membership.Role.ADMIN, Membership.Role.OFFICIAL, Membership.Role.MODERATOR)


def has_org_role(user, organisation, roles):
    """True if `user` holds one of `roles` in `organisation` or, for a department, in its municipality."""
    if not user or not user.is_authenticated or organisation is None:
        return False
    if user.is_superuser:
        return True
    org_ids = [organisation.pk]
    if organisation.kind == Organisation.Kind.DEPARTMENT and organisation.parent_id:
        org_ids.append(organisation.parent_id)
    return Membership.objects.filter(user=user, organisation_id__in=org_ids, role__in=roles).exists()


def account_refusal(user):
    """Why `user` may not take part anywhere yet (code, translated message), or None. Apps add their
    own conditions (e.g. verified residents only) after this."""
    from django.utils.translation import gettext as _

    if not user.is_authenticated:
        return "login_required", _("Log in to take part.")
    if user.email_confirmed_at is None:
        return "unconfirmed", _("Confirm your e-mail address to take part.")
    until = _suspended_until(user)
    if until is not None:
        from django.utils import formats, timezone

        return "suspended", _("Your account is suspended until %(date)s: you can read, but not write.") % {
            "date": formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")
        }
    return None


def _suspended_until(user):
    """The end of the user's active suspension, or None. Asked before every write, so it is read
    from the cache (shared by all processes with Redis); the moderation app owns suspensions and
    clears the entry whenever it suspends someone or lifts a suspension."""
    from django.apps import apps
    from django.utils import timezone

    if not apps.is_installed("moderation"):
        return None
    from moderation.models import suspended_until

    until = suspended_until(user.pk)
    return until if until is not None and until > timezone.now() else None


def voice_organisations(user):
    """Verified organisations (not municipalities or their departments) for which `user` may give the
    official response: those they administer."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        status=Organisation.Status.VERIFIED,
        kind__in=[Organisation.Kind.NGO, Organisation.Kind.OTHER],
        memberships__user=user,
        memberships__role=Membership.Role.ADMIN,
    ).distinct()


@rules.predicate
def is_org_admin(user, organisation):
    return has_org_role(user, organisation, (Membership.Role.ADMIN,))


@rules.predicate
def is_org_staff(user, organisation):
    return has_org_role(user, organisation, STAFF_ROLES)


@rules.predicate
def is_org_moderator(user, organisation):
    return has_org_role(user, organisation, MODERATION_ROLES)


@rules.predicate
def is_org_member(user, organisation):
    return has_org_role(user, organisation, tuple(Membership.Role.values))


@rules.predicate
def can_review_organisations(user):
    return user.is_superuser or user.has_perm("accounts.change_organisation")


@rules.predicate
def is_confirmed(user):
    return user.is_authenticated and user.email_confirmed_at is not None


@rules.predicate
def is_verified_resident(user):
    return user.is_authenticated and user.is_verified


rules.add_rule("accounts.review_organisations", can_review_organisations)
rules.add_rule("accounts.apply_for_organisation", is_confirmed)
rules.add_rule("accounts.edit_organisation_profile", is_org_admin)
