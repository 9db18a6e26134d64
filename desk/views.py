"""Thin views: parse, call a service, render. Every page works without JavaScript.

A request that the visitor may not see answers 404, exactly like one that does not exist."""

import hashlib
import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from meydan.accounts.models import User
from meydan.ratelimit import rate_limited

from . import inbox, ratelimit, satisfaction, services
from .forms import (
    AnswerForm,
    AssignForm,
    LookupForm,
    NoteForm,
    PublishForm,
    RatingForm,
    RedirectForm,
    ReopenForm,
    SubmitForm,
)
from .models import ReplyTemplate, Request, Status, TimelineEntry
from .rules import can_handle, can_view, is_desk_staff, is_manager, is_requester, submit_refusal
from .sources import handled_requests

STATUS_FOR_CODE = {
    "invalid": 400,
    "login_required": 403,
    "unconfirmed": 403,
    "forbidden": 403,
    "not_found": 404,
    "bad_state": 409,
    "already_rated": 409,
    "reopen_window": 409,
    "rate_limited": 429,
}
INBOX_PAGE_SIZE = 25
INBOX_MAX_PAGE = 200
MINE_PAGE_SIZE = 20


# Submitting --------------------------------------------------------------------------------------------


@never_cache
@rate_limited("desk.submit")
def submit(request):
    refusal = submit_refusal(request.user)
    form = SubmitForm(request.POST or None, request.FILES or None, user=request.user)
    context = {"form": form, "refusal": refusal}
    if request.method != "POST":
        return TemplateResponse(request, "desk/submit.html", context)
    if refusal:
        return TemplateResponse(request, "desk/submit.html", context, status=403)
    if not request.user.is_authenticated and ratelimit.hit("submit_anonymous", request):
        form.add_error(None, _("Too many requests from your connection. Please try again in an hour."))
        return TemplateResponse(request, "desk/submit.html", context, status=429)
    if not form.is_valid():
        return TemplateResponse(request, "desk/submit.html", context, status=400)
    try:
        created = services.submit_request(request.user, **form.service_fields())
    except services.DeskRefused as refused:
        form.add_error(None, refused.message)
        return TemplateResponse(request, "desk/submit.html", context, status=STATUS_FOR_CODE.get(refused.code, 400))
    if created.status == Status.UNCONFIRMED:
        return TemplateResponse(request, "desk/check_mail.html", {"email": created.contact_email})
    messages.success(
        request,
        _("Your request is received. Your tracking code is %(code)s; we have sent it to you by e-mail too.")
        % {"code": created.tracking_code},
    )
    return redirect(created)


@never_cache
def confirm(request, token):
    try:
        confirmed = services.confirm_submission(token)
    except services.DeskRefused as refused:
        return TemplateResponse(request, "desk/confirm_failed.html", {"message": refused.message}, status=400)
    services.grant_session_access(request.session, confirmed)
    return TemplateResponse(request, "desk/received.html", {"req": confirmed})


# Requester ---------------------------------------------------------------------------------------------


@login_required
def mine(request):
    requests = (
        Request.objects.filter(requester=request.user)
        .exclude(status=Status.UNCONFIRMED)
        .select_related("topic", "department")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(requests, MINE_PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "desk/mine.html", {"page_obj": page, "requests": page.object_list})


def _visible_request(request, pk):
    req = get_object_or_404(
        Request.objects.select_related(
            "topic", "department__parent", "municipality", "assignee", "requester", "proposal"
        ),
        pk=pk,
    )
    if req.status == Status.UNCONFIRMED or not can_view(request.user, req, request.session):
        raise Http404
    return req


def _detail_context(request, req, **forms):
    staff = can_handle(request.user, req)
    requester = is_requester(request.user, req, request.session)
    timeline = req.timeline.select_related("actor", "from_department", "to_department")
    if not staff:
        timeline = timeline.exclude(kind__in=TimelineEntry.INTERNAL_KINDS)
    context = {
        "req": req,
        "timeline": list(timeline),
        "is_staff": staff,
        "is_requester": requester,
        "attachments": list(req.attachments.all()),
        "rating": satisfaction.existing(req) if req.status == Status.CLOSED else None,
        "ratings": satisfaction.RATINGS,
        "rating_form": forms.pop("rating_form", None) or RatingForm(),
        "reopen_form": forms.pop("reopen_form", None) or ReopenForm(),
    }
    if staff:
        templates = list(ReplyTemplate.objects.filter(department_id=req.department_id))
        chosen = request.GET.get("template", "")
        prefill = next((t.body for t in templates if str(t.pk) == chosen), None)
        context.update(
            reply_templates=templates,
            answer_form=forms.pop("answer_form", None) or AnswerForm(initial={"text": prefill} if prefill else None),
            note_form=forms.pop("note_form", None) or NoteForm(),
            redirect_form=forms.pop("redirect_form", None)
            or RedirectForm(targets=services.redirect_targets(req.municipality).exclude(pk=req.department_id)),
            assign_form=forms.pop("assign_form", None)
            or AssignForm(people=services.colleagues(req), initial={"assignee": req.assignee_id}),
        )
        if req.kind == Request.Kind.SUGGESTION and req.publish_consent and not req.proposal_id:
            context["publish_form"] = forms.pop("publish_form", None) or PublishForm(
                spaces=services.proposal_spaces(req), initial={"body": req.text}
            )
    return context


@never_cache
def detail(request, pk):
    req = _visible_request(request, pk)
    return TemplateResponse(request, "desk/detail.html", _detail_context(request, req))


def _refused(request, req, refused, **forms):
    if refused.code == "not_found":
        raise Http404
    messages.error(request, refused.message)
    req = _visible_request(request, req.pk)
    return TemplateResponse(
        request,
        "desk/detail.html",
        _detail_context(request, req, **forms),
        status=STATUS_FOR_CODE.get(refused.code, 400),
    )


def _act(request, pk, action, success, form_class=None, form_name=None, **form_kwargs):
    """Run `action(req, cleaned_data)` for a visible request; a refusal re-renders the page with the
    message and the typed text kept."""
    req = _visible_request(request, pk)
    data = {}
    if form_class is not None:
        form = form_class(request.POST, **{name: factory(req) for name, factory in form_kwargs.items()})
        if not form.is_valid():
            first = next(iter(form.errors.values()))[0]
            return _refused(request, req, services.DeskRefused("invalid", first), **{form_name: form})
        data = form.cleaned_data
    try:
        action(req, data)
    except services.DeskRefused as refused:
        forms = {}
        if form_class is not None:
            forms[form_name] = form
        return _refused(request, req, refused, **forms)
    messages.success(request, success)
    return redirect(req)


@require_POST
@rate_limited("desk.staff")
def answer(request, pk):
    return _act(
        request,
        pk,
        lambda req, data: services.answer_request(request.user, req, data["text"]),
        _("The answer is published and the requester is told."),
        AnswerForm,
        "answer_form",
    )


@require_POST
@rate_limited("desk.staff")
def redirect_to(request, pk):
    return _act(
        request,
        pk,
        lambda req, data: services.redirect_request(request.user, req, data["target"], data["reason"]),
        _("The request is redirected."),
        RedirectForm,
        "redirect_form",
        targets=lambda req: services.redirect_targets(req.municipality),
    )


@require_POST
@rate_limited("desk.staff")
def review(request, pk):
    return _act(request, pk, lambda req, data: services.start_review(request.user, req), _("The request is in review."))


@require_POST
@rate_limited("desk.staff")
def note(request, pk):
    return _act(
        request,
        pk,
        lambda req, data: services.add_note(request.user, req, data["note"]),
        _("The note is recorded."),
        NoteForm,
        "note_form",
    )


@require_POST
@rate_limited("desk.staff")
def assign(request, pk):
    return _act(
        request,
        pk,
        lambda req, data: services.assign_request(request.user, req, data["assignee"]),
        _("The assignment is saved."),
        AssignForm,
        "assign_form",
        people=lambda req: User.objects.filter(is_active=True),
    )


@require_POST
@rate_limited("desk.requester")
def close(request, pk):
    return _act(
        request,
        pk,
        lambda req, data: services.close_request(request.user, req, request.session),
        _("The request is closed."),
    )


@require_POST
@rate_limited("desk.requester")
def reopen(request, pk):
    return _act(
        request,
        pk,
        lambda req, data: services.reopen_request(request.user, req, data["reason"], request.session),
        _("The request is reopened; the department is told."),
        ReopenForm,
        "reopen_form",
    )


@require_POST
@rate_limited("desk.requester")
def rate(request, pk):
    return _act(
        request,
        pk,
        lambda req, data: services.rate_request(request.user, req, data["rating"], data["comment"], request.session),
        _("Thank you for your rating."),
        RatingForm,
        "rating_form",
    )


@require_POST
@rate_limited("desk.requester")
def consent(request, pk):
    return _act(
        request,
        pk,
        lambda req, data: services.give_consent(request.user, req, request.session),
        _("Thank you: the municipality may publish your suggestion as a proposal."),
    )


@require_POST
@rate_limited("desk.staff")
def publish(request, pk):
    return _act(
        request,
        pk,
        lambda req, data: services.publish_as_proposal(
            request.user, req, data["space"], title=data["title"], body=data["body"]
        ),
        _("The suggestion is published as a proposal; its author is told."),
        PublishForm,
        "publish_form",
        spaces=lambda req: services.proposal_spaces(req),
    )


def _private_file(request, field_file, content_type, download_name=None):
    response = FileResponse(field_file.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if download_name:
        response["Content-Disposition"] = f'attachment; filename="{download_name}"'
    return response


_PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def photo(request, pk):
    req = _visible_request(request, pk)
    if not req.photo:
        raise Http404
    extension = req.photo.name.rsplit(".", 1)[-1].lower()
    return _private_file(request, req.photo, _PHOTO_TYPES.get(extension, "application/octet-stream"))


def attachment(request, pk, attachment_pk):
    req = _visible_request(request, pk)
    item = get_object_or_404(req.attachments, pk=attachment_pk)
    return _private_file(request, item.file, item.content_type, download_name=item.name)


# Lookup without an account ----------------------------------------------------------------------------


def _email_digest(email):
    return hmac.new(settings.SECRET_KEY.encode(), email.strip().lower().encode(), hashlib.sha256).digest()


_NO_MATCH = _email_digest("no-match@invalid")


@never_cache
def lookup(request):
    form = LookupForm(request.POST or None)
    context = {"form": form}
    if request.method != "POST":
        return TemplateResponse(request, "desk/lookup.html", context)
    if ratelimit.hit("lookup", request):
        failure = _("Too many attempts from your connection. Please try again in 15 minutes.")
        return TemplateResponse(request, "desk/lookup.html", {"form": LookupForm(), "failure": failure}, status=429)
    if not form.is_valid():
        return TemplateResponse(request, "desk/lookup.html", context, status=400)
    # The same query and the same comparison whether the code exists or not, so neither the answer
    # nor its timing tells a wrong code from a wrong address.
    found = (
        Request.objects.exclude(status=Status.UNCONFIRMED)
        .filter(tracking_code=form.cleaned_data["code"])
        .values_list("pk", "contact_email")
        .first()
    )
    expected = _email_digest(found[1]) if found else _NO_MATCH
    matches = hmac.compare_digest(expected, _email_digest(form.cleaned_data["email"])) and found is not None
    if not matches:
        failure = _("We found no request with this tracking code and e-mail address. Check both and try again.")
        return TemplateResponse(request, "desk/lookup.html", {"form": LookupForm(), "failure": failure}, status=404)
    request.session.cycle_key()
    services.grant_session_access(request.session, Request(pk=found[0]))
    return redirect("desk:detail", pk=found[0])


# The Four R inbox -------------------------------------------------------------------------------------


def _staff_only(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request)
    if not is_desk_staff(request.user) and not request.user.memberships.filter(role="moderator").exists():
        raise Http404
    return None


def redirect_to_login(request):
    from django.contrib.auth.views import redirect_to_login as to_login

    return to_login(request.get_full_path())


def _filters(request, departments):
    department = request.GET.get("department", "")
    kind = request.GET.get("kind", "")
    due = request.GET.get("due", "")
    assignee = request.GET.get("assignee", "")
    valid_kinds = {value for value, _label in inbox.kind_choices()}
    return inbox.Filters(
        department=int(department) if department.isdigit() and int(department) in departments else None,
        kind=kind if kind in valid_kinds else "",
        due=due if due in ("overdue", "week") else "",
        assignee=assignee if assignee in ("me", "none") or assignee.isdigit() else "",
    )


def _page_number(request):
    value = request.GET.get("page", "1")
    number = int(value) if value.isdigit() else 1
    return min(max(number, 1), INBOX_MAX_PAGE)


def _inbox_departments(user):
    """Organisations handling at least one request `user` may handle, for the department filter."""
    from django.db.models import Exists, OuterRef

    from meydan.accounts.models import Organisation

    if not is_desk_staff(user):
        return {}
    # EXISTS per organisation is one index probe each (desk_request_dept_status_muni); IN (SELECT
    # department_id ...) read every request of the municipality on SQLite.
    handled = handled_requests(user).filter(department_id=OuterRef("pk"))
    return {org.pk: org for org in Organisation.objects.filter(Exists(handled)).order_by("name")}


@never_cache
def inbox_view(request):
    refusal = _staff_only(request)
    if refusal:
        return refusal
    departments = _inbox_departments(request.user)
    filters = _filters(request, departments)
    page = _page_number(request)
    total, items = inbox.collect(request.user, filters, page, INBOX_PAGE_SIZE)
    paginator = Paginator(range(total), INBOX_PAGE_SIZE)
    page_obj = paginator.get_page(page)  # past the end: the last page, as collect() does
    params = request.GET.copy()
    params.pop("page", None)
    targets = []
    if any(item.ref for item in items):
        municipality_ids = {dep.parent_id or dep.pk for dep in departments.values()}
        targets = list(services.redirect_targets(municipality_ids))
    context = {
        "items": items,
        "total": total,
        "page_obj": page_obj,
        "filters": filters,
        "departments": list(departments.values()),
        "kind_choices": inbox.kind_choices(),
        "querystring": params.urlencode(),
        "redirect_targets": targets,
        "is_manager": is_manager(request.user),
    }
    return TemplateResponse(request, "desk/inbox.html", context)


@require_POST
@rate_limited("desk.staff")
def inbox_assign_self(request):
    refusal = _staff_only(request)
    if refusal:
        return refusal
    pk = request.POST.get("request", "")
    req = handled_requests(request.user).filter(pk=int(pk)).first() if pk.isdigit() else None
    if req is None:
        raise Http404
    try:
        services.assign_request(request.user, req, request.user)
    except services.DeskRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("%(code)s is assigned to you.") % {"code": req.tracking_code})
    return redirect(_back_to_inbox(request))


@require_POST
@rate_limited("desk.staff")
def inbox_bulk_redirect(request):
    refusal = _staff_only(request)
    if refusal:
        return refusal
    from meydan.accounts.models import Organisation

    ids = [int(value) for value in request.POST.getlist("requests") if value.isdigit()]
    target_id = request.POST.get("target", "")
    target = Organisation.objects.filter(pk=int(target_id)).first() if target_id.isdigit() else None
    reason = request.POST.get("reason", "")
    if not ids:
        messages.error(request, _("Choose at least one request to redirect."))
        return redirect(_back_to_inbox(request))
    done, refused = services.bulk_redirect(request.user, ids, target, reason)
    if done:
        messages.success(request, _("%(count)d requests redirected.") % {"count": len(done)})
    for label, message in refused[:10]:
        messages.error(request, f"{label}: {message}")
    return redirect(_back_to_inbox(request))


def _back_to_inbox(request):
    from django.urls import reverse

    query = request.POST.get("querystring", "")
    base = reverse("desk:inbox")
    # Only our own filter parameters go back into the URL.
    from django.http import QueryDict

    params = QueryDict(query[:500], mutable=True)
    kept = QueryDict(mutable=True)
    for name in ("department", "kind", "due", "assignee", "page"):
        if name in params:
            kept[name] = params[name][:40]
    return f"{base}?{kept.urlencode()}" if kept else base
