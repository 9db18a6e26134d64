"""Who may see and handle a request.

A request carries personal data, so it is visible only to its requester (logged in, or in a session
that proved the tracking code and e-mail address) and to the staff of the organisation handling it
now, plus the municipality's administrators. Everybody else gets a 404, as if it did not exist.
"""

import rules

from meydan.accounts.models import Membership, Organisation
from meydan.accounts.rules import STAFF_ROLES, account_refusal

SESSION_KEY = "desk_requests"


def _staff_memberships(user):
    """[(organisation id, role, organisation kind)] of `user`'s staff memberships: one query, cached on
    the user object for the rest of the request (the inbox, the dashboard and the menu all ask)."""
    cached = getattr(user, "_desk_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, role__in=STAFF_ROLES).values_list(
                "organisation_id", "role", "organisation__kind"
            )
        )
        user._desk_memberships = cached
    return cached


def _scope(user):
    """(organisations whose requests `user` handles, municipalities `user` administers), cached on
    the user object for the rest of the request. Staff of a municipality act for its departments."""
    cached = getattr(user, "_desk_scope", None)
    if cached is None:
        rows = _staff_memberships(user)
        direct = {org_id for org_id, _role, _kind in rows}
        admin_of = {org_id for org_id, role, _kind in rows if role == Membership.Role.ADMIN}
        children = (
            set(
                Organisation.objects.filter(parent_id__in=direct, kind=Organisation.Kind.DEPARTMENT).values_list(
                    "pk", flat=True
                )
            )
            if direct
            else set()
        )
        cached = (direct | children, admin_of)
        user._desk_scope = cached
    return cached


def staff_organisation_ids(user):
    """Ids of the organisations whose requests `user` handles (None: all, for superusers)."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return None
    return _scope(user)[0]


def administered_municipality_ids(user):
    """Ids of organisations `user` administers: their requests are visible wherever they were sent."""
    if not user.is_authenticated:
        return set()
    return _scope(user)[1]


def is_desk_staff(user):
    ids = staff_organisation_ids(user)
    return ids is None or bool(ids)


def administered_organisations(user):
    """Municipalities and departments `user` administers (a municipality's admins: its departments too)."""
    if user.is_superuser:
        return Organisation.objects.all()
    admin_of = Membership.objects.filter(user=user, role=Membership.Role.ADMIN).values("organisation_id")
    return Organisation.objects.filter(pk__in=admin_of) | Organisation.objects.filter(parent_id__in=admin_of)


def managed_scope(user):
    """(municipality ids, department ids) whose figures `user` may see on the dashboard: the
    municipalities and departments they administer. Superusers get (None, None): all."""
    if not user.is_authenticated:
        return set(), set()
    if user.is_superuser:
        return None, None
    admin = [(org_id, kind) for org_id, role, kind in _staff_memberships(user) if role == Membership.Role.ADMIN]
    municipalities = {org_id for org_id, kind in admin if kind == Organisation.Kind.MUNICIPALITY}
    departments = {org_id for org_id, kind in admin if kind == Organisation.Kind.DEPARTMENT}
    return municipalities, departments


def is_manager(user):
    municipalities, departments = managed_scope(user)
    return municipalities is None or bool(municipalities or departments)


def is_requester(user, request, session=None):
    if user.is_authenticated and request.requester_id == user.pk:
        return True
    return session is not None and request.pk in session.get(SESSION_KEY, [])


@rules.predicate
def can_handle(user, request):
    """Staff of the handling organisation (or of its municipality), and the municipality's admins."""
    if not user.is_authenticated:
        return False
    ids = staff_organisation_ids(user)
    return ids is None or request.department_id in ids or request.municipality_id in administered_municipality_ids(user)


def can_view(user, request, session=None):
    return is_requester(user, request, session) or can_handle(user, request)


def submit_refusal(user):
    """None when `user` may submit with their account; people without one confirm an address instead."""
    if not user.is_authenticated:
        return None
    return account_refusal(user)


rules.add_perm("desk.handle_request", can_handle)
