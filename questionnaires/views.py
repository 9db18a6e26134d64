"""HTML views for questionnaires. Every write is a form post that works without JavaScript: success
redirects back to the host's page (to `next` when it is a safe local address) with a message; invalid
answers show the form again with the person's input and a message next to each question (400); a
refusal gets a small page of its own with the message and a 4xx status."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from meydan import audit
from meydan.accounts.models import Organisation
from meydan.csvexport import csv_response
from meydan.ratelimit import rate_limited

from . import hosts, rendering, results, services
from .answers import InvalidAnswers
from .services import ResponseRefused

STATUS_FOR_CODE = {
    "invalid": 400,
    "login_required": 403,
    "unconfirmed": 403,
    "forbidden": 403,
    "closed": 403,
    "not_found": 404,
    "organisation_answered": 409,
    "no_response": 409,
}


def _safe_next(request, default):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _with_anchor(url, anchor):
    return url.split("#", 1)[0] + "#" + anchor


def _refused(request, refused, *, back, host=None, texts=()):
    context = {"message": refused.message, "code": refused.code, "back": back, "host": host, "texts": texts}
    return TemplateResponse(
        request, "questionnaires/refused.html", context, status=STATUS_FOR_CODE.get(refused.code, 400)
    )


def _unknown_host(request):
    refused = ResponseRefused("not_found", _("There is no questionnaire here."))
    return _refused(request, refused, back=_safe_next(request, "/"))


def _written_texts(request, registration, host):
    """The free texts of a refused post, so that the person can copy them before leaving."""
    texts = []
    for question in registration.questions(host):
        if question.kind == "free_text":
            text = request.POST.get(f"q-{question.id}", "").strip()
            if text:
                texts.append({"question": question, "text": text})
    return texts


def _organisation(request):
    value = request.POST.get("organisation", "")
    if value == "":
        return None
    if not value.isdigit() or len(value) > 18:
        raise ResponseRefused("invalid", _("Choose yourself or one of your organisations."))
    organisation = Organisation.objects.filter(pk=int(value)).first()
    if organisation is None:
        raise ResponseRefused(
            "forbidden", _("Only an administrator of a verified organisation may answer on its behalf.")
        )
    return organisation


@require_POST
@rate_limited("questionnaires.respond")
def respond(request, content_type_id, object_id):
    try:
        registration, host = hosts.resolve(content_type_id, object_id)
    except hosts.UnknownHost:
        return _unknown_host(request)
    back = _safe_next(request, hosts.url_of(host))
    subject = request.POST.get("subject", "")
    try:
        organisation = _organisation(request)
        response, created = services.submit_response(
            request.user, host, request.POST, subject=subject, organisation=organisation
        )
    except InvalidAnswers as invalid:
        context = {
            "host": host,
            "back": back,
            **rendering.form_context(
                request, host, subject=subject, data=request.POST, errors=invalid.errors, next_url=back
            ),
        }
        return TemplateResponse(request, "questionnaires/respond.html", context, status=400)
    except ResponseRefused as refused:
        return _refused(request, refused, back=back, host=host, texts=_written_texts(request, registration, host))
    if created:
        messages.success(
            request, _("Thank you: your answers have been saved. You can change them until the questionnaire closes.")
        )
    else:
        messages.success(request, _("Your changed answers have been saved."))
    return redirect(_with_anchor(back, "questionnaire"))


@require_POST
@rate_limited("questionnaires.respond")
def withdraw(request, content_type_id, object_id):
    try:
        _registration, host = hosts.resolve(content_type_id, object_id)
    except hosts.UnknownHost:
        return _unknown_host(request)
    back = _safe_next(request, hosts.url_of(host))
    try:
        services.withdraw_response(request.user, host, request.POST.get("subject", ""))
    except ResponseRefused as refused:
        return _refused(request, refused, back=back, host=host)
    messages.success(request, _("Your answers have been withdrawn."))
    return redirect(_with_anchor(back, "questionnaire"))


def _viewable(request, content_type_id, object_id, check):
    """(host, None) when `check` lets the reader in, else (host or None, refusal response)."""
    try:
        registration, host = hosts.resolve(content_type_id, object_id)
    except hosts.UnknownHost:
        return None, _unknown_host(request)
    if not getattr(registration, check)(request.user, host):
        refused = ResponseRefused("forbidden", _("You may not see these results."))
        return host, _refused(request, refused, back=hosts.url_of(host), host=host)
    return host, None


@require_GET
def results_page(request, content_type_id, object_id):
    host, refusal = _viewable(request, content_type_id, object_id, "can_view_results")
    if refusal:
        return refusal
    return TemplateResponse(request, "questionnaires/results.html", {"host": host, "back": hosts.url_of(host)})


def _csv_name(kind, host):
    # Only digits from the URL in the file name: nothing from the host's title reaches the header.
    return f"questionnaire-{kind}-{hosts.content_type_of(host).pk}-{host.pk}.csv"


@require_GET
def results_csv(request, content_type_id, object_id):
    host, refusal = _viewable(request, content_type_id, object_id, "can_view_results")
    if refusal:
        return refusal
    response = csv_response(_csv_name("results", host))
    results.write_csv(results.result_rows(results.compute(host)), response)
    return response


@require_GET
def responses_csv(request, content_type_id, object_id):
    host, refusal = _viewable(request, content_type_id, object_id, "can_view_free_text")
    if refusal:
        return refusal
    # Free-text answers are what people wrote themselves: staff downloads of them are audited.
    audit.record(audit.EXPORT, actor=request.user, target=host, data={"export": "questionnaire responses"})
    response = csv_response(_csv_name("responses", host))
    results.write_csv(results.response_rows(host), response)
    return response
