"""Permission predicates for accounts and organisations (the `rules` package).

Other apps build on `has_org_role`: an administrator or official of a municipality also acts for
its departments, so a proposal routed to a department can be answered by the municipality's staff.
"""

import rules

from .eligibility import Eligibility, eligibility_refusal
from .models import Membership, Organisation

STAFF_ROLES = (Membership.Role.ADMIN, Membership.Role.OFFICIAL)
MODERATION_ROLES = (Membership.Role.ADMIN, Membership.Role.OFFICIAL, Membership.Role.MODERATOR)
ROLES_CACHE = "_meydan_roles_by_organisation"


def has_org_role(user, organisation, roles):
    """True if `user` holds one of `roles` in `organisation` or, for a department, in its municipality."""
    if not user or not user.is_authenticated or organisation is None:
        return False
    if user.is_superuser:
        return True
    org_ids = [organisation.pk]
    if organisation.kind == Organisation.Kind.DEPARTMENT and organisation.parent_id:
        org_ids.append(organisation.parent_id)
    held = roles_by_organisation(user)
    return any(held.get(org_id, frozenset()).intersection(roles) for org_id in org_ids)


def roles_by_organisation(user):
    """{organisation id: {role, ...}} of `user`'s memberships. A page asks several role questions
    (staff? moderator? may answer?); they are read in one query and kept on the user object, which
    lives for one request. Membership changes forget the copy of the user object they were made with."""
    held = getattr(user, ROLES_CACHE, None)
    if held is None:
        held = {}
        for organisation_id, role in Membership.objects.filter(user=user).values_list("organisation_id", "role"):
            held.setdefault(organisation_id, set()).add(role)
        setattr(user, ROLES_CACHE, held)
    return held


def forget_roles(sender, instance, **kwargs):
    user = instance._state.fields_cache.get("user")
    if user is not None and hasattr(user, ROLES_CACHE):
        delattr(user, ROLES_CACHE)


def account_refusal(user):
    """Why `user` may not take part anywhere yet (code, translated message), or None: signed in,
    e-mail address confirmed, not suspended. Writes without a per-space rule use this; spaces with
    one (who may propose, support, comment, vote) ask `eligibility_refusal` with their rule."""
    return eligibility_refusal(user, Eligibility.CONFIRMED)


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
