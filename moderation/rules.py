"""Who may moderate what. Content follows its app's own rule (the municipality's moderators, admins
and officials for proposals, comments on them and council sessions); accounts can be warned or
suspended by anyone who moderates for a municipality, because a suspension applies everywhere."""

import rules

from meydan.accounts.models import Membership, Organisation
from meydan.accounts.rules import MODERATION_ROLES

from . import targets

PUBLIC_BODIES = (Organisation.Kind.MUNICIPALITY, Organisation.Kind.DEPARTMENT)


@rules.predicate
def is_moderator_anywhere(user):
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_moderation_anywhere", None)
    if cached is None:
        cached = Membership.objects.filter(
            user=user, role__in=MODERATION_ROLES, organisation__kind__in=PUBLIC_BODIES
        ).exists()
        user._moderation_anywhere = cached
    return cached


@rules.predicate
def can_moderate_content(user, obj):
    if not user or not user.is_authenticated:
        return False
    try:
        registration = targets.for_object(obj)
    except targets.UnknownTarget:
        return False
    return bool(registration.can_moderate(user, obj))


can_moderate_accounts = is_moderator_anywhere


def can_decide(user, action):
    """May `user` decide appeals against `action` in principle (the same-moderator rule comes on top)?"""
    if action.content_type_id is None:
        return can_moderate_accounts(user)
    content = action.content
    if content is None:
        return is_moderator_anywhere(user)
    return can_moderate_content(user, content)


rules.add_perm("moderation.view_queue", is_moderator_anywhere)
rules.add_perm("moderation.moderate_accounts", can_moderate_accounts)
