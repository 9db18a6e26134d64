"""Use cases of the information level: a public Q&A where residents and organisations ask and the
responsible officials answer on the record."""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from meydan import audit
from meydan.accounts.rules import voice_organisations
from meydan.notifications.services import notify

from ..models import ANSWER_MAX_LENGTH, QUESTION_MAX_LENGTH, Question
from ..rules import can_moderate_page, is_page_staff, taking_part_refusal
from . import ParticipationRefused, require, require_answer_allowed

HIDE_REASON_MAX_LENGTH = Question._meta.get_field("hidden_reason").max_length
QUESTIONS_PER_HOUR = 10
ANSWER_EDITED = "consultations.answer_edited"


# Registered here, next to the only code that logs it; the module is imported at startup (handlers.py).
@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action(
        ANSWER_EDITED, gettext_lazy("Correct an answer"), gettext_lazy("Corrected the public answer to a question")
    )


def clean_text(text, *, limit, empty_message, too_long_message):
    """Plain text as stored: one newline style, no surrounding blanks, within `limit`."""
    if not isinstance(text, str):
        raise ParticipationRefused("invalid", empty_message)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ParticipationRefused("invalid", empty_message)
    if "\x00" in text:
        raise ParticipationRefused("invalid", _("The text contains characters that cannot be stored."))
    if len(text) > limit:
        raise ParticipationRefused("too_long", too_long_message % {"limit": f"{limit:,}", "length": f"{len(text):,}"})
    return text


def ask_refusal(user, page):
    """Why `user` may not ask on `page` now (code, message), or None: also decides whether the form shows."""
    refusal = taking_part_refusal(user, page)
    if refusal:
        return refusal
    # Officials answer here; questions they plant themselves would pass for the public's.
    if is_page_staff(user, page):
        return "forbidden", _("Officials responsible for this page answer questions; they do not ask them here.")
    return None


def _voice(user, organisation):
    if organisation is None:
        return None
    if not voice_organisations(user).filter(pk=organisation.pk).exists():
        raise ParticipationRefused(
            "forbidden", _("You can ask on behalf of a verified organisation only if you administer it.")
        )
    return organisation


def ask_question(user, page, text, organisation=None):
    require(ask_refusal(user, page))
    text = clean_text(
        text,
        limit=QUESTION_MAX_LENGTH,
        empty_message=_("Write your question."),
        too_long_message=_("A question may have at most %(limit)s characters; yours has %(length)s."),
    )
    organisation = _voice(user, organisation)
    with transaction.atomic():
        recent = Question.objects.filter(
            page=page, author=user, created_at__gte=timezone.now() - timedelta(hours=1)
        ).count()
        if recent >= QUESTIONS_PER_HOUR:
            raise ParticipationRefused(
                "rate_limited",
                _("You can ask at most %(limit)d questions an hour on this page. Please wait a little.")
                % {"limit": QUESTIONS_PER_HOUR},
            )
        return Question.objects.create(page=page, author=user, organisation=organisation, text=text)


def _locked_question(question):
    return Question.objects.select_for_update(of=("self",)).select_related("page", "author").get(pk=question.pk)


def answer_question(user, question, text):
    """Publish the official answer, or correct it: the first answer's date stays (it is what the
    promised response time is measured against) and every correction is logged with the old text."""
    with transaction.atomic():
        question = _locked_question(question)
        page = question.page
        if not page.live or not is_page_staff(user, page):
            raise ParticipationRefused(
                "forbidden", _("Only officials of the responsible municipality or department may answer.")
            )
        if question.hidden:
            raise ParticipationRefused("bad_state", _("A hidden question cannot be answered. Show it again first."))
        require_answer_allowed(user, page)
        text = clean_text(
            text,
            limit=ANSWER_MAX_LENGTH,
            empty_message=_("Write the answer."),
            too_long_message=_("An answer may have at most %(limit)s characters; yours has %(length)s."),
        )
        first_answer = question.answered_at is None
        if not first_answer and text == question.answer:
            raise ParticipationRefused("bad_state", _("The answer is unchanged."))
        previous = question.answer
        question.answer = text
        if first_answer:
            question.answered_at, question.answered_by = timezone.now(), user
            question.save(update_fields=["answer", "answered_at", "answered_by"])
            audit.record(audit.ANSWER, actor=user, target=question, data={"page": page.pk})
        else:
            question.save(update_fields=["answer"])
            log(question, ANSWER_EDITED, user=user, data={"previous": previous})
        if question.author_id:
            author = question.author
            transaction.on_commit(
                lambda: notify(
                    [author],
                    title=gettext_lazy("Your question was answered")
                    if first_answer
                    else gettext_lazy("The answer to your question was corrected"),
                    body=page.title,
                    url=f"{page.url}#question-{question.pk}",
                )
            )
    return question


def _through_moderation(service, *args):
    """Hiding and showing go through the moderation log (guideline, reason, author told, appeal);
    its refusals come back as ours."""
    from moderation.services import ModerationRefused

    try:
        return service(*args)
    except ModerationRefused as refused:
        raise ParticipationRefused(refused.code, refused.message) from None


def hide_question(user, question, reason, rule="other"):
    """Moderators take a question out of public view under a community guideline; its author still
    sees it with the reason, is told, and may appeal once."""
    from moderation import services as moderation

    if not can_moderate_question(user, question):
        raise ParticipationRefused("forbidden", _("Only the page's moderators may hide questions."))
    _through_moderation(moderation.hide, user, question, rule, reason)
    question.refresh_from_db()
    return question


def show_question(user, question, reason):
    """Undo a hide (a moderator's mistake must not cost the author their question)."""
    from moderation import services as moderation

    if not can_moderate_question(user, question):
        raise ParticipationRefused("forbidden", _("Only the page's moderators may show hidden questions."))
    _through_moderation(moderation.restore, user, question, reason)
    question.refresh_from_db()
    return question


# Hooks for moderation.targets, called inside the moderation service's transaction (which checked
# the moderator, the guideline and the reason, and tells the author).


def can_moderate_question(user, question):
    return question.page.live and can_moderate_page(user, question.page)


def apply_hide(user, question, reason):
    question = _locked_question(question)
    if not can_moderate_question(user, question):
        raise ParticipationRefused("forbidden", _("Only the page's moderators may hide questions."))
    if question.hidden:
        raise ParticipationRefused("bad_state", _("This question is already hidden."))
    question.hidden, question.hidden_reason = True, reason
    question.save(update_fields=["hidden", "hidden_reason"])
    return question


def apply_show(user, question, reason):
    question = _locked_question(question)
    if not can_moderate_question(user, question):
        raise ParticipationRefused("forbidden", _("Only the page's moderators may show hidden questions."))
    if not question.hidden:
        raise ParticipationRefused("bad_state", _("This question is not hidden."))
    question.hidden, question.hidden_reason = False, ""
    question.save(update_fields=["hidden", "hidden_reason"])
    return question


def require_reportable(user, question):
    """Reports come from people who can see the question: on a published page, not hidden."""
    if not question.page.live:
        raise ParticipationRefused("not_found", _("This page is not published."))


def answer_edits(question_ids):
    """{question id: time of the latest correction of its answer}, in one query."""
    if not question_ids:
        return {}
    entries = ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Question),
        object_id__in=[str(pk) for pk in question_ids],
        action=ANSWER_EDITED,
    ).values_list("object_id", "timestamp")
    edits = {}
    for object_id, timestamp in entries:
        key = int(object_id)
        if key not in edits or timestamp > edits[key]:
            edits[key] = timestamp
    return edits


def register_targets():
    """Comment targets and live topics of this level (called from the app's ready()): the Q&A is
    its own record, so nothing is registered."""
