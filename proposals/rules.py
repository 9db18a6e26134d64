"""Who may do what with proposals."""

import rules
from django.utils.translation import gettext as _

from meydan.accounts import eligibility
from meydan.accounts.models import Membership, Organisation
from meydan.accounts.rules import MODERATION_ROLES, STAFF_ROLES, has_org_role


def eligibility_refusal(user, rule):
    """Why `user` does not meet a space's eligibility `rule` (who may propose, who may support and
    discuss), as (code, translated message), or None."""
    return eligibility.eligibility_refusal(
        user, rule, not_verified_message=_("Only verified residents may take part in this space.")
    )


@rules.predicate
def can_moderate_space(user, space):
    return has_org_role(user, space.municipality, MODERATION_ROLES)


@rules.predicate
def can_answer(user, proposal):
    """Officials of the category's department, or of the space's municipality."""
    department = proposal.category.department if proposal.category_id else None
    return has_org_role(user, proposal.space.municipality, STAFF_ROLES) or (
        department is not None and has_org_role(user, department, STAFF_ROLES)
    )


def organisations_for(user):
    """Verified organisations on whose behalf `user` may propose."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        status=Organisation.Status.VERIFIED,
        memberships__user=user,
        memberships__role__in=[Membership.Role.ADMIN, Membership.Role.OFFICIAL, Membership.Role.MEMBER],
    ).distinct()


rules.add_perm("proposals.moderate_space", can_moderate_space)
rules.add_perm("proposals.answer_proposal", can_answer)
