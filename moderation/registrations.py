"""The content types Meydan moderates: comments, live comments, proposals and the questions of
information pages. Each keeps its own hide and restore (live comments vanish from every open page
at once); the moderation services add the log, the author's notification and the appeal around them.

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
        flaggable=services.require_flaggable,
        flagged=_flagged_comments,
    )


def _viewer_of_session(user, comment):
    from django.utils.translation import gettext as _

    from live.actions import Refused
    from live.rules import can_view_session

    if not can_view_session(user, comment.session):
        raise Refused("not_found", _("This session is not available."))


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
        flaggable=_viewer_of_session,
    )


def _not_merged(user, proposal):
    from django.utils.translation import gettext as _

    from proposals.models import Proposal
    from proposals.services import ProposalRefused

    if proposal.state == Proposal.State.MERGED:
        raise ProposalRefused("merged", _("This proposal was merged into another; report that one instead."))


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
        flaggable=_not_merged,
    )


def register_questions():
    from consultations.models import Question
    from consultations.services import ParticipationRefused
    from consultations.services import information as services

    targets.register(
        Question,
        label=_("question"),
        hide=services.apply_hide,
        restore=services.apply_show,
        author_of=lambda question: question.author_id,
        can_moderate=services.can_moderate_question,
        is_hidden=lambda question: Question.objects.filter(pk=question.pk, hidden=True).exists(),
        url_of=lambda question: f"{question.page.url}#question-{question.pk}",
        excerpt=lambda question: question.text,
        refused=(ParticipationRefused,),
        flaggable=services.require_reportable,
    )


def _forget_reports(sender, instance, **kwargs):
    """Reports are generic rows: delete them with the content (no foreign key cascades for them)."""
    from django.contrib.contenttypes.models import ContentType

    from .models import Flag

    Flag.objects.filter(content_type=ContentType.objects.get_for_model(sender), object_id=instance.pk).delete()


def register_all():
    from django.db.models.signals import post_delete

    register_comments()
    register_live_comments()
    register_proposals()
    register_questions()
    for registration in targets.registered():
        if not _has_reports_relation(registration.model):
            post_delete.connect(_forget_reports, sender=registration.model, dispatch_uid=f"reports-{registration.key}")


def _has_reports_relation(model):
    """A GenericRelation to Flag (as on Comment) already deletes the reports with their content."""
    from django.contrib.contenttypes.fields import GenericRelation

    from .models import Flag

    return any(
        isinstance(field, GenericRelation) and field.related_model is Flag for field in model._meta.private_fields
    )
