"""Thin views over moderation.services. Every page works without JavaScript; a refused action shows
the form again with the person's text and the translated message, under a 4xx status."""

import re
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meydan.pagecache import cache_for_anonymous
from meydan.ratelimit import rate_limited

from . import guidelines, queue, reports, services, targets
from .forms import AppealForm, DecisionForm, HideForm, ReportForm, RestoreForm, SuspendForm, WarnForm
from .models import Appeal, ModerationAction
from .rules import can_decide, can_moderate_accounts, can_moderate_content, is_moderator_anywhere
from .services import ModerationRefused

LOG_PAGE_SIZE = 50
PUBLIC_CACHE_SECONDS = 300
ACCOUNT_TYPE = "account"
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
STATUS_FOR_CODE = {
    "invalid": 400,
    "too_long": 400,
    "login_required": 403,
    "forbidden": 403,
    "same_moderator": 403,
    "own_content": 403,
    "not_found": 404,
    "already_hidden": 409,
    "already_flagged": 409,
    "no_reports": 409,
    "merged": 409,
    "already_deleted": 409,
    "not_hidden": 409,
    "already_appealed": 409,
    "not_appealable": 409,
    "already_decided": 409,
    "bad_state": 409,
}


def _status(refused):
    return STATUS_FOR_CODE.get(refused.code, 409 if refused.code.startswith("already") else 400)


def _safe_next(request, default):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _refused(request, refused, back="/"):
    context = {"message": refused.message, "code": refused.code, "back": back}
    return TemplateResponse(request, "moderation/refused.html", context, status=_status(refused))


def _form_error(form, refused):
    """Put the service's refusal on the form, so the page shows it next to what was typed."""
    form.add_error(None, refused.message)


# Public pages ----------------------------------------------------------------------------------


@require_GET
def guidelines_page(request):
    response = TemplateResponse(request, "moderation/guidelines.html", {"rules": guidelines.numbered()})
    return cache_for_anonymous(response, PUBLIC_CACHE_SECONDS)


def _type_choices():
    choices = [(registration.key, registration.label) for registration in targets.registered()]
    return [*sorted(choices, key=lambda choice: str(choice[1])), (ACCOUNT_TYPE, gettext_lazy("account"))]


def _labels():
    """{content type id: label} for the registered models, from Django's content-type cache."""
    return {registration.content_type().pk: registration.label for registration in targets.registered()}


@require_GET
def log(request):
    """The public moderation log: kind, date, guideline and outcome of each decision; never the
    content, the reason or the people involved."""
    actions = ModerationAction.objects.only("pk", "content_type_id", "action", "rule", "outcome", "created_at")
    type_choices = _type_choices()
    kind = request.GET.get("type", "")
    if kind == ACCOUNT_TYPE:
        actions = actions.filter(content_type__isnull=True)
    elif kind:
        registration = targets.for_key(kind)
        if registration is None:
            kind = ""
        else:
            actions = actions.filter(content_type=registration.content_type())
    month = request.GET.get("month", "").strip()
    match = MONTH.match(month)
    if match:
        year, number = int(match[1]), int(match[2])
        start = timezone.make_aware(timezone.datetime(year, number, 1))
        end = timezone.make_aware(timezone.datetime(year + number // 12, number % 12 + 1, 1))
        actions = actions.filter(created_at__gte=start, created_at__lt=end)
    else:
        month = ""
    page = Paginator(actions.order_by("-created_at", "-pk"), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    labels = _labels()
    for action in page.object_list:
        action.type_label = labels.get(action.content_type_id, _("account")) if action.content_type_id else _("account")
    querystring = "&".join(f"{name}={value}" for name, value in (("type", kind), ("month", month)) if value)
    context = {
        "page_obj": page,
        "actions": page.object_list,
        "type_choices": type_choices,
        "type": kind,
        "month": month,
        "querystring": querystring,
    }
    return cache_for_anonymous(TemplateResponse(request, "moderation/log.html", context), PUBLIC_CACHE_SECONDS)


# Moderators --------------------------------------------------------------------------------------


def _not_moderator():
    return ModerationRefused("forbidden", _("This page is for moderators."))


@login_required
@require_GET
def queue_page(request):
    if not is_moderator_anywhere(request.user):
        return _refused(request, _not_moderator())
    context = {
        "flagged": [_flag_row(entry) for entry in queue.flagged(request.user)],
        "appeals": queue.open_appeals(request.user),
    }
    return TemplateResponse(request, "moderation/queue.html", context)


def _flag_row(entry):
    registration, flagged = entry.registration, entry.flagged
    content_type_id = registration.content_type().pk
    author_id = registration.author_of(flagged.obj)
    return {
        "id": f"flagged-{content_type_id}-{flagged.obj.pk}",
        "label": registration.label,
        "count": flagged.count,
        "first_at": flagged.first_at,
        "excerpt": registration.excerpt(flagged.obj),
        "reasons": [(guidelines.label_of(rule), details) for rule, details in flagged.reasons],
        "url": registration.url_of(flagged.obj),
        "hide_url": reverse("moderation:hide", args=[content_type_id, flagged.obj.pk]),
        "dismiss_url": reverse("moderation:dismiss", args=[content_type_id, flagged.obj.pk]),
        "account_url": reverse("moderation:account", args=[author_id]) if author_id else "",
    }


def _content(content_type_id, object_id):
    try:
        return targets.resolve(content_type_id, object_id)
    except targets.UnknownTarget:
        return None, None


def _content_action(request, content_type_id, object_id, *, form_class, template, act, success):
    registration, obj = _content(content_type_id, object_id)
    if obj is None:
        return _refused(request, ModerationRefused("not_found", _("This content does not exist.")))
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    back = _safe_next(request, registration.url_of(obj))
    if not can_moderate_content(request.user, obj):
        refused = ModerationRefused("forbidden", _("Only the moderators responsible for this content may do this."))
        return _refused(request, refused, back)
    context = {"obj": obj, "label": registration.label, "excerpt": registration.excerpt(obj), "back": back}
    if request.method == "GET":
        context["form"] = form_class(initial={"next": back})
        return TemplateResponse(request, template, context)
    form = context["form"] = form_class(request.POST)
    if not form.is_valid():
        return TemplateResponse(request, template, context, status=400)
    try:
        act(request.user, obj, form.cleaned_data)
    except ModerationRefused as refused:
        _form_error(form, refused)
        return TemplateResponse(request, template, context, status=_status(refused))
    messages.success(request, success)
    return redirect(back)


@require_http_methods(["GET", "POST"])
@rate_limited("moderation.staff")
def hide(request, content_type_id, object_id):
    return _content_action(
        request,
        content_type_id,
        object_id,
        form_class=HideForm,
        template="moderation/hide.html",
        act=lambda user, obj, data: services.hide(user, obj, data["rule"], data["reason"]),
        success=_("It is hidden; its author is told why and may appeal."),
    )


@require_http_methods(["GET", "POST"])
@rate_limited("moderation.staff")
def restore(request, content_type_id, object_id):
    return _content_action(
        request,
        content_type_id,
        object_id,
        form_class=RestoreForm,
        template="moderation/restore.html",
        act=lambda user, obj, data: services.restore(user, obj, data["reason"]),
        success=_("It is visible again; its author is told."),
    )


@require_POST
@rate_limited("moderation.staff")
def dismiss(request, content_type_id, object_id):
    """The moderator finds the reported content fine: its open reports are closed."""
    registration, obj = _content(content_type_id, object_id)
    if obj is None:
        return _refused(request, ModerationRefused("not_found", _("This content does not exist.")))
    back = _safe_next(request, reverse("moderation:queue"))
    try:
        count = reports.dismiss(request.user, obj)
    except ModerationRefused as refused:
        return _refused(request, refused, back)
    messages.success(
        request,
        ngettext("%(count)s report closed; the content stays.", "%(count)s reports closed; the content stays.", count)
        % {"count": count},
    )
    return redirect(back)


# Everybody signed in: reports ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@rate_limited("moderation.report")
def report(request, key, object_id):
    """Report content to its moderators, with a reason from the guidelines. `key` is the model's
    "app_label.model", so that pages can link here without knowing content type ids."""
    registration = targets.for_key(key)
    obj = registration.model._default_manager.filter(pk=object_id).first() if registration else None
    if obj is None:
        return _refused(request, ModerationRefused("not_found", _("This content does not exist.")))
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    back = _safe_next(request, registration.url_of(obj))
    try:
        reports.require_reportable(request.user, obj)
    except ModerationRefused as refused:
        return _refused(request, refused, back)
    context = {"obj": obj, "label": registration.label, "excerpt": registration.excerpt(obj), "back": back}
    if request.method == "GET":
        context["form"] = ReportForm(initial={"next": back})
        return TemplateResponse(request, "moderation/report.html", context)
    form = context["form"] = ReportForm(request.POST)
    if not form.is_valid():
        return TemplateResponse(request, "moderation/report.html", context, status=400)
    try:
        reports.report(request.user, obj, form.cleaned_data["reason"], form.cleaned_data["text"])
    except ModerationRefused as refused:
        _form_error(form, refused)
        return TemplateResponse(request, "moderation/report.html", context, status=_status(refused))
    messages.success(request, _("Thank you. The moderators will look at it."))
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("moderation.staff")
def account(request, pk):
    """Warn or suspend a participant."""
    person = get_object_or_404(get_user_model(), pk=pk, is_active=True)
    if not can_moderate_accounts(request.user):
        return _refused(request, _not_moderator())
    warn_form, suspend_form, status = WarnForm(prefix="warn"), SuspendForm(prefix="suspend"), 200
    if request.method == "POST":
        which = request.POST.get("action")
        try:
            if which == "warn":
                warn_form = WarnForm(request.POST, prefix="warn")
                if warn_form.is_valid():
                    data = warn_form.cleaned_data
                    services.warn(request.user, person, data["rule"], data["reason"])
                    messages.success(request, _("The warning is sent."))
                    return redirect("moderation:account", pk=person.pk)
            elif which == "suspend":
                suspend_form = SuspendForm(request.POST, prefix="suspend")
                if suspend_form.is_valid():
                    data = suspend_form.cleaned_data
                    until = timezone.now() + timedelta(days=data["days"])
                    services.suspend(request.user, person, until, data["rule"], data["reason"])
                    messages.success(request, _("The account is suspended; the person is told why."))
                    return redirect("moderation:account", pk=person.pk)
            else:
                raise ModerationRefused("invalid", _("Choose to warn or to suspend."))
        except ModerationRefused as refused:
            _form_error(suspend_form if which == "suspend" else warn_form, refused)
            status = _status(refused)
        else:
            status = 400
    history = ModerationAction.objects.filter(author=person).select_related("moderator")[:20]
    context = {"person": person, "warn_form": warn_form, "suspend_form": suspend_form, "history": history}
    return TemplateResponse(request, "moderation/account.html", context, status=status)


# The person concerned, and appeals ---------------------------------------------------------------


def _visible_action(request, pk):
    """An action is shown to the person concerned and to those who may decide an appeal against it;
    to everybody else it does not exist (the public log has no page per action)."""
    action = get_object_or_404(ModerationAction.objects.select_related("content_type"), pk=pk)
    user = request.user
    if action.author_id == user.pk or can_decide(user, action):
        return action
    return None


@login_required
@require_GET
def action_page(request, pk):
    action = _visible_action(request, pk)
    if action is None:
        return _refused(request, ModerationRefused("not_found", _("There is no such decision for you.")))
    return _action_response(request, action, AppealForm())


def _action_response(request, action, form, status=200):
    registration = targets.for_content_type(action.content_type) if action.content_type_id else None
    content = action.content if registration else None
    appeal = Appeal.objects.filter(action=action).select_related("decided_by").first()
    try:
        services.require_appealable(request.user, action)
        may_appeal = True
    except ModerationRefused:
        may_appeal = False
    context = {
        "action": action,
        "label": registration.label if registration else _("account"),
        "excerpt": registration.excerpt(content) if content is not None else "",
        "content_url": registration.url_of(content) if content is not None else "",
        "appeal": appeal,
        "may_appeal": may_appeal,
        "form": form,
        "is_author": action.author_id == request.user.pk,
        "restore_url": _restore_url(request.user, registration, content),
        "suspension": getattr(action, "suspension", None) if action.action == action.Kind.SUSPEND else None,
    }
    return TemplateResponse(request, "moderation/action.html", context, status=status)


def _restore_url(user, registration, content):
    if content is None or not registration.is_hidden(content) or not registration.can_moderate(user, content):
        return ""
    return reverse("moderation:restore", args=[registration.content_type().pk, content.pk])


@login_required
@require_POST
@rate_limited("moderation.appeal")
def appeal_create(request, pk):
    action = _visible_action(request, pk)
    if action is None:
        return _refused(request, ModerationRefused("not_found", _("There is no such decision for you.")))
    form = AppealForm(request.POST)
    if not form.is_valid():
        return _action_response(request, action, form, status=400)
    try:
        services.appeal(request.user, action, form.cleaned_data["text"])
    except ModerationRefused as refused:
        _form_error(form, refused)
        return _action_response(request, action, form, status=_status(refused))
    messages.success(request, _("Your appeal is sent. A different moderator will decide and you will be told."))
    return redirect("moderation:action", pk=action.pk)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("moderation.staff")
def appeal_decide(request, pk):
    appeal = get_object_or_404(Appeal.objects.select_related("action__content_type", "user"), pk=pk)
    try:
        services.require_decider(request.user, appeal)
    except ModerationRefused as refused:
        if refused.code != "same_moderator":
            return _refused(request, refused)
        own_refusal = refused
    else:
        own_refusal = None
    action = appeal.action
    registration = targets.for_content_type(action.content_type) if action.content_type_id else None
    content = action.content if registration else None
    form, status = DecisionForm(), 200
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if own_refusal is not None:
            _form_error(form, own_refusal)
            status = _status(own_refusal)
        elif form.is_valid():
            upheld = form.cleaned_data["decision"] == "uphold"
            try:
                services.decide_appeal(request.user, appeal, upheld, form.cleaned_data["reason"])
            except ModerationRefused as refused:
                _form_error(form, refused)
                status = _status(refused)
            else:
                messages.success(request, _("The appeal is decided and the person is told."))
                return redirect("moderation:queue")
        else:
            status = 400
    appeal.refresh_from_db()
    context = {
        "appeal": appeal,
        "action": action,
        "label": registration.label if registration else _("account"),
        "excerpt": registration.excerpt(content) if content is not None else "",
        "content_url": registration.url_of(content) if content is not None else "",
        "form": form,
        "own_refusal": own_refusal,
    }
    return TemplateResponse(request, "moderation/appeal.html", context, status=status)


@require_GET
def content_actions(request, key, object_id):
    """From a hidden item's page to the latest decision about it that concerns the reader (the
    author's link to the reason and the appeal). `key` is the model's "app_label.model"."""
    registration = targets.for_key(key)
    action = None
    if registration is not None and request.user.is_authenticated:
        action = (
            ModerationAction.objects.filter(
                content_type=registration.content_type(), object_id=object_id, author_id=request.user.pk
            )
            .order_by("-created_at", "-pk")
            .first()
        )
    if action is None:
        return _refused(request, ModerationRefused("not_found", _("There is no such decision for you.")))
    return redirect("moderation:action", pk=action.pk)
