"""Who may do what in a council session."""

import rules
from django.utils.translation import gettext as _

from meydan.accounts.eligibility import eligibility_refusal
from meydan.accounts.rules import MODERATION_ROLES, has_org_role


@rules.predicate
def can_moderate_session(user, session):
    return has_org_role(user, session.municipality, MODERATION_ROLES)


@rules.predicate
def can_view_session(user, session):
    return (session.live and session.get_view_restrictions().count() == 0) or can_moderate_session(user, session)


def comment_refusal(user, session):
    """Why `user` may not comment in `session` (code, translated message), or None if they may."""
    return eligibility_refusal(
        user, session.commenters, not_verified_message=_("Only verified residents may comment in this session.")
    )


def vote_refusal(user, session):
    """Why `user` may not answer the polls of `session` (code, translated message), or None."""
    return eligibility_refusal(
        user, session.voters, not_verified_message=_("Only verified residents may vote in this session.")
    )


rules.add_perm("live.moderate_session", can_moderate_session)
rules.add_perm("live.view_session", can_view_session)
