"""Who may do what in a council session."""

import rules

from meydan.accounts.rules import MODERATION_ROLES, account_refusal, has_org_role


@rules.predicate
def can_moderate_session(user, session):
    return has_org_role(user, session.municipality, MODERATION_ROLES)


@rules.predicate
def can_view_session(user, session):
    return (session.live and session.get_view_restrictions().count() == 0) or can_moderate_session(user, session)


def participation_refusal(user, session):
    """Why `user` may not comment or vote in `session` (a translated message), or None if they may."""
    from django.utils.translation import gettext as _

    refusal = account_refusal(user)
    if refusal:
        return refusal
    if session.commenters == session.Commenters.VERIFIED and not user.is_verified:
        return "not_verified", _("Only verified residents may take part in this session.")
    return None


rules.add_perm("live.moderate_session", can_moderate_session)
rules.add_perm("live.view_session", can_view_session)
