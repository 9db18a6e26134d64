"""Who may switch crisis mode and who speaks for the municipality while it is on.

Communications admins of a site (may switch crisis mode on and off): superusers, administrators of
the site's municipality, and members of that municipality's communications office (the group that
consultations/workflow.py creates to approve participation pages). Central users (may publish pages
and official answers during a crisis): superusers and members of the site's "Crisis communications"
group.
"""

import rules
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from meydan.accounts.models import Membership, Organisation
from meydan.accounts.rules import has_org_role


def site_municipality(state):
    """The municipality running the site: as set on its crisis state, else the only one there is."""
    if state is not None and state.municipality_id:
        return state.municipality
    municipalities = list(Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY)[:2])
    return municipalities[0] if len(municipalities) == 1 else None


def communications_office_names(municipality):
    # The group is named in the language active when it was created; look for it in every language.
    names = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add((gettext("Communications office – %(name)s") % {"name": municipality.name})[:150])
    return names


def is_communications_admin(user, state):
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    municipality = site_municipality(state)
    if municipality is None:
        return False
    if has_org_role(user, municipality, (Membership.Role.ADMIN,)):
        return True
    return user.groups.filter(name__in=communications_office_names(municipality)).exists()


def is_central(user, state):
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(state and state.group_id) and user.groups.filter(pk=state.group_id).exists()


@rules.predicate
def can_toggle_crisis(user, state):
    return is_communications_admin(user, state)


rules.add_rule("crisis.toggle", can_toggle_crisis)
