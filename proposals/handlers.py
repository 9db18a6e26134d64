"""How other apps see proposals: the `proposal` live topic and comments on proposals."""

from django.utils.translation import gettext as _

from .models import Proposal
from .rules import can_moderate_space, eligibility_refusal


def can_follow_proposal(user, proposal_id):
    proposal = Proposal.objects.select_related("space__municipality").filter(pk=proposal_id).first()
    return proposal is not None and can_view_proposal(user, proposal)


def support_snapshot(proposal_id):
    from .services import support_payload

    return [{"event": "support.count", "key": proposal_id, "data": support_payload(proposal_id)}]


def can_view_proposal(user, proposal):
    if not proposal.space.live:
        return False
    if proposal.state == Proposal.State.HIDDEN:
        return proposal.author_id == getattr(user, "pk", None) or can_moderate_space(user, proposal.space)
    return True


def can_comment_on_proposal(user, proposal):
    """Anyone who may support in the space may discuss; discussion stays open while the proposal is
    open or being evaluated."""
    refusal = eligibility_refusal(user, proposal.space.who_may_support)
    if refusal:
        return False, refusal[1]
    if proposal.state not in Proposal.OPEN_STATES:
        return False, _("Comments are closed for this proposal.")
    return True, None


def register():
    from comments import targets
    from live import topics

    topics.register("proposal", can_follow_proposal, snapshot=support_snapshot)
    targets.register(
        Proposal,
        can_comment=can_comment_on_proposal,
        can_moderate=lambda user, proposal: can_moderate_space(user, proposal.space),
        topic=lambda proposal: proposal.topic,
        can_view=can_view_proposal,
    )
