"""The content types Meydan moderates: comments, live comments and proposals. Each keeps its own
hide and restore (live comments vanish from every open page at once); the moderation services add
the log, the author's notification and the appeal around them.

They are registered here, from moderation's ready(), because each app's hooks live in its own
services module and nothing else of those apps needs to know about moderation."""

from django.utils.translation import gettext_lazy as _

from . import targets


def _flagged_comments(user, limit):
    from comments.inbox import reported_comments

    return [
        targets.Flagged(comment, comment.open_flags, comment.first_flag, comment.open_reasons)
        for comment in reported_comments(user, limit)
    ]


def register_comments():
    from comments import services
    from comments.models import Comment

    targets.register(
        Comment,
        label=_("comment"),
        hide=services.apply_hide,
        restore=services.apply_restore,
        author_of=lambda comment: comment.author_id,
        can_moderate=services.can_moderate,
        is_hidden=services.is_hidden,
        url_of=services.url_of,
        excerpt=lambda comment: comment.text,
        refused=(services.CommentRefused,),
        flagged=_flagged_comments,
    )


def register_live_comments():
    from live import services
    from live.actions import Refused
    from live.models import LiveComment
    from live.rules import can_moderate_session

    targets.register(
        LiveComment,
        label=_("live comment"),
        hide=services.apply_hide,
        restore=services.apply_restore,
        author_of=lambda comment: comment.author_id,
        can_moderate=lambda user, comment: can_moderate_session(user, comment.session),
        is_hidden=lambda comment: LiveComment.objects.filter(pk=comment.pk, hidden=True).exists(),
        url_of=lambda comment: f"{comment.session.url}#comments",
        excerpt=lambda comment: comment.text,
        refused=(Refused,),
    )


def register_proposals():
    from proposals import services
    from proposals.models import Proposal
    from proposals.rules import can_moderate_space

    targets.register(
        Proposal,
        label=_("proposal"),
        hide=lambda user, proposal, reason: services.apply_moderation(user, proposal, reason, hidden=True),
        restore=lambda user, proposal, reason: services.apply_moderation(user, proposal, reason, hidden=False),
        author_of=lambda proposal: proposal.author_id,
        can_moderate=lambda user, proposal: can_moderate_space(user, proposal.space),
        is_hidden=lambda proposal: Proposal.objects.filter(pk=proposal.pk, state=Proposal.State.HIDDEN).exists(),
        excerpt=lambda proposal: proposal.title,
        refused=(services.ProposalRefused,),
    )


def register_all():
    register_comments()
    register_live_comments()
    register_proposals()
