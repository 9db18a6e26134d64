"""The `proposal` live topic: anyone who may see the proposal may follow it."""

from .models import Proposal
from .rules import can_moderate_space


def can_follow_proposal(user, proposal_id):
    proposal = Proposal.objects.select_related("space__municipality").filter(pk=proposal_id).first()
    if proposal is None or not proposal.space.live:
        return False
    if proposal.state == Proposal.State.HIDDEN:
        return proposal.author_id == getattr(user, "pk", None) or can_moderate_space(user, proposal.space)
    return True
