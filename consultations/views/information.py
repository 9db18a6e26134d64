"""The information level: documents (in the header) and a public Q&A.

Every form posts to its own URL and comes back to the page: with a message after success (PRG), or
the page again with the errors and the text kept, under the status that fits the refusal."""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meydan.ratelimit import rate_limited
from meydan.sanitize import render_plain

from ..forms_c1 import AnswerForm, HideQuestionForm, QuestionForm, ShowQuestionForm
from ..models import InformationPage, Question
from ..rules import can_moderate_page, is_page_staff
from ..services import ParticipationRefused
from ..services import information as services
from .common import live_page, page_context, render_refusal

TEMPLATE = "consultations/information.html"
PAGE_SIZE = 30
UNANSWERED = "unanswered"


def information_page(request, page):
    return TemplateResponse(request, TEMPLATE, _context(request, page))


def _visible_questions(page, user, moderator):
    questions = page.questions.all()
    if moderator:
        return questions
    if user.is_authenticated:
        # Authors keep seeing their hidden questions, with the moderator's reason.
        return questions.filter(Q(hidden=False) | Q(author=user))
    return questions.filter(hidden=False)


def _context(request, page, *, question_form=None, answer_forms=None, hide_forms=None, show_forms=None):
    user = request.user
    context = page_context(request, page)
    staff, moderator = context["is_staff"], context["can_moderate"]
    now = timezone.now()
    only_unanswered = staff and request.GET.get("show") == UNANSWERED
    questions = _visible_questions(page, user, moderator)
    if only_unanswered:
        questions = questions.filter(hidden=False, answered_at__isnull=True)
    questions = questions.select_related("author", "organisation").order_by("-created_at", "-pk")
    page_obj = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page_obj.object_list)
    edits = services.answer_edits([question.pk for question in items if question.answered_at])
    answer_forms, hide_forms, show_forms = answer_forms or {}, hide_forms or {}, show_forms or {}
    for question in items:
        question.page = page  # due_at() reads the page's promised response time
        _annotate(question, user, now, edits)
        if staff and not question.hidden:
            question.answer_form = answer_forms.get(question.pk) or AnswerForm(
                initial={"text": question.answer}, auto_id=f"answer-{question.pk}-%s"
            )
        if moderator and not question.hidden:
            question.hide_form = hide_forms.get(question.pk) or HideQuestionForm(auto_id=f"hide-{question.pk}-%s")
        elif moderator:
            question.show_form = show_forms.get(question.pk) or ShowQuestionForm(auto_id=f"show-{question.pk}-%s")
    refusal = services.ask_refusal(user, page)
    context.update(
        {
            "questions": items,
            "page_obj": page_obj,
            "counts": _counts(page, now),
            "only_unanswered": only_unanswered,
            "ask_refusal": refusal,
            "question_form": question_form or (None if refusal else QuestionForm(user=user)),
        }
    )
    return context


def _annotate(question, user, now, edits):
    question.text_html = render_plain(question.text)
    question.answer_html = render_plain(question.answer)
    question.due = question.due_at()
    question.overdue = not question.hidden and question.is_overdue(now)
    question.edited_at = edits.get(question.pk)
    question.is_own = user.is_authenticated and question.author_id == user.pk


def _counts(page, now):
    """Unanswered and overdue public questions of the whole page, in one query."""
    cutoff = now - timedelta(days=page.answer_days)
    return page.questions.filter(hidden=False, answered_at__isnull=True).aggregate(
        unanswered=Count("pk"), overdue=Count("pk", filter=Q(created_at__lt=cutoff))
    )


def _question(page, pk):
    # A question of another page is as unknown here as one that does not exist.
    return get_object_or_404(Question, pk=pk, page=page)


def _invalid(request, page, **forms):
    refused = ParticipationRefused("invalid", _("Please correct the form: the fields marked below need attention."))
    return render_refusal(request, refused, TEMPLATE, _context(request, page, **forms))


def _back(page, question):
    return redirect(f"{page.url}#question-{question.pk}")


@require_POST
@rate_limited("consultations.ask")
def ask(request, page_pk):
    page = live_page(InformationPage, page_pk)
    form = QuestionForm(request.POST, user=request.user)
    refusal = services.ask_refusal(request.user, page)
    try:
        if refusal:
            raise ParticipationRefused(*refusal)
        if not form.is_valid():
            return _invalid(request, page, question_form=form)
        question = services.ask_question(
            request.user, page, form.cleaned_data["text"], form.cleaned_data.get("organisation")
        )
    except ParticipationRefused as refused:
        return render_refusal(request, refused, TEMPLATE, _context(request, page, question_form=form))
    messages.success(request, _("Your question is published. The municipality will answer it here."))
    return _back(page, question)


@require_POST
@rate_limited("consultations.staff")
def answer(request, page_pk, pk):
    page = live_page(InformationPage, page_pk)
    question = _question(page, pk)
    form = AnswerForm(request.POST, auto_id=f"answer-{question.pk}-%s")
    forms = {"answer_forms": {question.pk: form}}
    try:
        if not form.is_valid():
            # Outsiders learn that they may not answer before they learn what is wrong with the text.
            if not is_page_staff(request.user, page):
                raise ParticipationRefused(
                    "forbidden", _("Only officials of the responsible municipality or department may answer.")
                )
            return _invalid(request, page, **forms)
        first = question.answered_at is None
        services.answer_question(request.user, question, form.cleaned_data["text"])
    except ParticipationRefused as refused:
        return render_refusal(request, refused, TEMPLATE, _context(request, page, **forms))
    messages.success(
        request, _("The answer is published.") if first else _("The answer is corrected; the change is recorded.")
    )
    return _back(page, question)


def _moderate(request, page_pk, pk, *, name, form_class, act, forbidden, success):
    """Hide or show a question: the form's errors show only to the page's moderators (others get 403)."""
    page = live_page(InformationPage, page_pk)
    question = _question(page, pk)
    form = form_class(request.POST, auto_id=f"{name}-{question.pk}-%s")
    forms = {f"{name}_forms": {question.pk: form}}
    try:
        if not form.is_valid():
            if not can_moderate_page(request.user, page):
                raise ParticipationRefused("forbidden", forbidden)
            return _invalid(request, page, **forms)
        act(question, form.cleaned_data)
    except ParticipationRefused as refused:
        return render_refusal(request, refused, TEMPLATE, _context(request, page, **forms))
    messages.success(request, success)
    return _back(page, question)


@require_POST
@rate_limited("consultations.staff")
def hide(request, page_pk, pk):
    return _moderate(
        request,
        page_pk,
        pk,
        name="hide",
        form_class=HideQuestionForm,
        act=lambda question, data: services.hide_question(request.user, question, data["reason"], data["rule"]),
        forbidden=_("Only the page's moderators may hide questions."),
        success=_("The question is hidden; its author sees your reason."),
    )


@require_POST
@rate_limited("consultations.staff")
def show(request, page_pk, pk):
    return _moderate(
        request,
        page_pk,
        pk,
        name="show",
        form_class=ShowQuestionForm,
        act=lambda question, data: services.show_question(request.user, question, data["reason"]),
        forbidden=_("Only the page's moderators may show hidden questions."),
        success=_("The question is public again."),
    )


urlpatterns = [
    path("information/<int:page_pk>/ask/", ask, name="ask_question"),
    path("information/<int:page_pk>/questions/<int:pk>/answer/", answer, name="answer_question"),
    path("information/<int:page_pk>/questions/<int:pk>/hide/", hide, name="hide_question"),
    path("information/<int:page_pk>/questions/<int:pk>/show/", show, name="show_question"),
]
