"""HTML views for council sessions. They work without JavaScript; the page script only adds live
updates and sends the same actions over the websocket."""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meydan.ratelimit import rate_limited

from . import services
from .actions import Refused
from .consumers import viewers
from .forms import BanForm, CommentForm, CommentSettingsForm, HideForm, PollForm
from .models import CouncilSessionPage, LiveComment, Poll, PollAnswer, Topic
from .rules import can_moderate_session, can_view_session, comment_refusal, vote_refusal

COMMENTS_SHOWN = 50
STATUS_FOR_CODE = {
    "login_required": 403,
    "unconfirmed": 403,
    "not_verified": 403,
    "suspended": 403,
    "forbidden": 403,
    "banned": 403,
    "closed": 403,
    "slow_mode": 429,
    "not_found": 404,
    "already_answered": 409,
    "bad_state": 409,
}


def _selected_item(request, agenda):
    try:
        wanted = int(request.GET.get("item", ""))
    except ValueError:
        return None
    return next((item for item in agenda if item.pk == wanted), None)


def _comments(session, item, order):
    replies = LiveComment.objects.filter(hidden=False).select_related("author").order_by("created_at")
    comments = (
        session.comments.filter(hidden=False, parent__isnull=True)
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies))
    )
    if item is not None:
        comments = comments.filter(agenda_item=item)
    latest = list(comments.order_by("-created_at")[:COMMENTS_SHOWN])
    return latest[::-1] if order == "oldest" else latest


def _polls(session, user, item):
    polls = list(session.polls.order_by("-opened_at"))
    if item is not None:
        polls = [poll for poll in polls if poll.agenda_item_id == item.pk]
    answered = set()
    if user.is_authenticated and polls:
        answered = set(PollAnswer.objects.filter(user=user, poll__in=polls).values_list("poll_id", flat=True))
    return [
        {
            "poll": poll,
            "results": services.poll_results(poll.pk),
            "answered": poll.pk in answered,
            "options": list(poll.options.all()),
        }
        for poll in polls
    ]


def session_context(request, session, **overrides):
    user = request.user
    agenda = list(session.agenda_items.all())
    item = _selected_item(request, agenda)
    order = "oldest" if request.GET.get("order") == "oldest" else "newest"
    reply_to = (
        LiveComment.objects.filter(pk=request.GET.get("reply") or 0, session=session, hidden=False).first()
        if (request.GET.get("reply") or "").isdigit()
        else None
    )
    context = {
        "agenda": agenda,
        "selected_item": item,
        "order": order,
        "comments": _comments(session, item, order),
        "pinned": list(session.comments.filter(pinned=True, hidden=False).select_related("author")),
        "own_hidden": list(session.comments.filter(author=user, hidden=True)) if user.is_authenticated else [],
        "polls": _polls(session, user, item),
        "can_moderate": can_moderate_session(user, session),
        "refusal": comment_refusal(user, session),
        "vote_refusal": vote_refusal(user, session),
        "comment_form": CommentForm(initial={"parent": reply_to.pk if reply_to else None}),
        "reply_to": reply_to,
        "since": Topic.objects.filter(name=session.topic).values_list("last_sequence", flat=True).first() or 0,
    }
    context.update(overrides)
    return context


def _visible_session(request, pk):
    session = get_object_or_404(CouncilSessionPage.objects.select_related("municipality"), pk=pk)
    if not can_view_session(request.user, session):
        raise Http404
    return session


def _render_page(request, session, status, **overrides):
    """The session page again, with the refused form and its message, under a 4xx status."""
    context = session.get_context(request)
    context.update(overrides)
    return TemplateResponse(request, session.get_template(request), context, status=status)


@require_POST
@rate_limited("live.comment")
def post_comment(request, pk):
    session = _visible_session(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _render_page(request, session, 400, comment_form=form)
    try:
        services.post_comment(request.user, session, form.cleaned_data["text"], form.cleaned_data.get("parent"))
    except Refused as refused:
        form.add_error("text", refused.message)
        return _render_page(request, session, STATUS_FOR_CODE.get(refused.code, 400), comment_form=form)
    messages.success(request, _("Your comment has been published."))
    return redirect(session.url + "#comments")


@require_POST
@rate_limited("live.poll")
def answer_poll(request, pk):
    poll = get_object_or_404(Poll.objects.select_related("session"), pk=pk)
    session = _visible_session(request, poll.session_id)
    try:
        services.answer_poll(request.user, poll.pk, _int(request.POST.get("option")))
    except Refused as refused:
        messages.error(request, refused.message)
        return _render_page(request, session, STATUS_FOR_CODE.get(refused.code, 400))
    messages.success(request, _("Thank you, your answer has been counted."))
    return redirect(session.url + f"#poll-{poll.pk}")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# Moderator console -----------------------------------------------------------------------------


def _moderated_session(request, pk):
    session = get_object_or_404(CouncilSessionPage.objects.select_related("municipality"), pk=pk)
    if not can_moderate_session(request.user, session):
        raise Http404  # the console's existence is nobody else's business
    return session


def console(request, pk, status=200, **forms):
    session = _moderated_session(request, pk)
    context = {
        "page": session,
        "session": session,
        "agenda": list(session.agenda_items.all()),
        "recent": list(session.comments.select_related("author").order_by("-created_at")[:100]),
        "open_polls": list(session.polls.filter(status=Poll.Status.OPEN)),
        "viewers": viewers(session.topic),
        "settings_form": forms.get("settings_form")
        or CommentSettingsForm(
            initial={"comments_open": session.comments_open, "slow_mode_seconds": session.slow_mode_seconds}
        ),
        "poll_form": forms.get("poll_form") or PollForm(),
        "hide_form": HideForm(),
        "ban_form": BanForm(),
        "since": Topic.objects.filter(name=session.topic).values_list("last_sequence", flat=True).first() or 0,
    }
    return TemplateResponse(request, "live/console.html", context, status=status)


@require_POST
@rate_limited("live.console")
def console_action(request, pk, action):
    session = _moderated_session(request, pk)
    handler = CONSOLE_ACTIONS.get(action)
    if handler is None:
        raise Http404
    try:
        result = handler(request, session)
    except Refused as refused:
        messages.error(request, refused.message)
        return console(request, pk, status=STATUS_FOR_CODE.get(refused.code, 400))
    if result is not None:
        return result
    return redirect("live:console", pk=pk)


def _start(request, session):
    services.start_session(request.user, session)
    messages.success(request, _("The session is live."))


def _end(request, session):
    services.end_session(request.user, session)
    messages.success(request, _("The session has ended; its replay is on the session page."))


def _advance(request, session):
    item = services.advance_agenda(request.user, session, _int(request.POST.get("item")))
    messages.success(request, _("Now on the agenda: %(title)s") % {"title": item.title})


def _settings(request, session):
    form = CommentSettingsForm(request.POST)
    if not form.is_valid():
        return console(request, session.pk, status=400, settings_form=form)
    services.update_comment_settings(request.user, session, **form.cleaned_data)
    messages.success(request, _("Comment settings saved."))
    return None


def _open_poll(request, session):
    form = PollForm(request.POST)
    if not form.is_valid():
        return console(request, session.pk, status=400, poll_form=form)
    services.open_poll(request.user, session, form.cleaned_data["question"], form.options())
    messages.success(request, _("The poll is open."))
    return None


def _close_poll(request, session):
    poll = get_object_or_404(Poll, pk=_int(request.POST.get("poll")), session=session)
    services.close_poll(request.user, poll)
    messages.success(request, _("The poll is closed."))


def _comment(request, session):
    return get_object_or_404(LiveComment, pk=_int(request.POST.get("comment")), session=session)


def _hide(request, session):
    comment = _comment(request, session)
    form = HideForm(request.POST)
    if not form.is_valid():
        # The first problem, in the form's order: the guideline, then the reason.
        raise Refused("invalid", next(iter(form.errors.values()))[0])
    services.hide_comment(request.user, comment, form.cleaned_data["reason"], rule=form.cleaned_data["rule"])
    messages.success(request, _("The comment is hidden everywhere."))


def _pin(request, session):
    services.pin_comment(request.user, _comment(request, session), request.POST.get("pinned") == "1")


def _ban(request, session):
    form = BanForm(request.POST)
    if not form.is_valid():
        raise Refused("invalid", _("Give a reason; the person will see it."))
    comment = _comment(request, session)
    services.ban_participant(request.user, session, comment.author, form.cleaned_data["reason"])
    messages.success(request, _("%(name)s can no longer comment in this session.") % {"name": comment.author})


CONSOLE_ACTIONS = {
    "start": _start,
    "end": _end,
    "advance": _advance,
    "settings": _settings,
    "open-poll": _open_poll,
    "close-poll": _close_poll,
    "hide": _hide,
    "pin": _pin,
    "ban": _ban,
}
