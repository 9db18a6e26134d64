"""Outcome screens for staff, the public "you said, we did" report and the contribution exports.

Staff screens answer 403 (with the reason) to everybody else and never show a list to them; form
POSTs redirect back to the list with a message (PRG) or show the list again with the input kept.
"""

from itertools import groupby

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meydan.pagecache import cache_for_anonymous
from meydan.ratelimit import rate_limited
from meydan.sanitize import render_plain

from .. import exports
from ..forms_c2b import OutcomeForm, PublishReportForm, ThemeForm
from ..models import REASON_MAX_LENGTH, ConsultationPage, OutcomeDecision, Phase
from ..rules import is_page_staff
from ..services import STATUS_FOR_CODE, ParticipationRefused
from ..services import outcomes as services
from .common import live_page

PAGE_SIZE = 50
REPORT_CACHE_SECONDS = 300
VIEWS = ("paragraph", "organisation")
# Refusals that mean "not for you": answered with a bare page, never with the staff list.
PERSONAL_REFUSALS = ("login_required", "forbidden", "not_found")


def _refused_page(request, page, refused):
    return TemplateResponse(
        request,
        "consultations/outcomes/refused.html",
        {"page": page, "message": refused.message},
        status=STATUS_FOR_CODE.get(refused.code, 400),
    )


def _staff_refusal(user, page):
    if not user.is_authenticated:
        return ParticipationRefused("login_required", _("Log in to take part."))
    if not is_page_staff(user, page):
        return ParticipationRefused(
            "forbidden", _("Only the officials responsible for this consultation may record outcomes.")
        )
    return None


def _due(page, phase):
    """What the page says about the report's due date."""
    return {
        "due_at": page.report_due_at(),
        "overdue": page.report_overdue(),
        "published_at": page.report_published_at,
        "before_closing": phase in (Phase.UPCOMING, Phase.OPEN),
    }


# The staff screen ------------------------------------------------------------------------------


def _filters(request):
    view = request.GET.get("view", "")
    return {
        "view": view if view in VIEWS else "paragraph",
        "missing": request.GET.get("missing", "") == "1",
    }


def _query(filters, page_number=None):
    params = {"view": filters["view"]}
    if filters["missing"]:
        params["missing"] = "1"
    if page_number and str(page_number) != "1":
        params["page"] = page_number
    return urlencode(params)


def _groups(rows, view, paragraphs_heading):
    """[(heading, [contribution])] in the order the rows come."""

    def heading(row):
        if view == "organisation":
            return row.organisation_name
        if row.kind == "comment":
            return paragraphs_heading(row.paragraph)
        return {"paper": _("Position papers"), "theme": _("Themes of questionnaire answers")}[row.kind]

    return [(title, list(items)) for title, items in groupby(rows, key=heading)]


def _paragraph_heading(paragraph):
    if paragraph is None:
        return _("Paragraph")
    label = _("Paragraph %(number)s") % {"number": paragraph.number}
    if paragraph.heading:
        label = f"{label}: {paragraph.heading}"
    if paragraph.withdrawn:
        label = _("%(paragraph)s (removed from the draft)") % {"paragraph": label}
    return label


def _label(rows):
    """Translate the per-row labels once per request rather than once per row in the template (a long
    report has thousands of rows)."""
    kinds = {"comment": _("Comment"), "paper": _("Position paper"), "theme": _("Theme of questionnaire answers")}
    decisions = {value: str(label) for value, label in OutcomeDecision.choices}
    participant = _("A participant")
    # Bulk recording gives many contributions the same reason: render each distinct text once.
    reasons = {}
    for row in rows:
        if row.outcome is not None and row.outcome.reason not in reasons:
            reasons[row.outcome.reason] = render_plain(row.outcome.reason)
        row.reason_html = reasons[row.outcome.reason] if row.outcome is not None else ""
        row.kind_label = kinds[row.kind]
        if row.organisation is not None:
            row.who = _("%(name)s (official response)") % {"name": row.organisation.name}
        else:
            row.who = participant if row.kind != "theme" else ""
        row.decision_label = decisions.get(row.outcome.decision, "") if row.outcome else ""
    return rows


def _row_labels():
    return {"outcome_label": _("Outcome:"), "no_outcome_label": _("No outcome yet.")}


def _screen(request, page, *, status=200, row_error=None, bulk_form=None, selected=()):
    filters = _filters(request)
    phase = page.phase()
    paragraphs = services.paragraphs_of(page)
    entries = services.contribution_index(page, paragraphs)
    done, total = services.progress(entries)
    if filters["view"] == "organisation":
        entries = sorted(
            (entry for entry in entries if entry.organisation),
            key=lambda e: (e.organisation.casefold(), e.kind != "paper", e.paragraph_number, e.pk),
        )
    if filters["missing"]:
        entries = [entry for entry in entries if not entry.has_outcome]
    page_obj = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    keys = [entry.key for entry in page_obj.object_list]
    loaded = {row.key: row for row in services.contributions(page, paragraphs=paragraphs, keys=keys)}
    rows = _label([loaded[key] for key in keys if key in loaded])
    for row in rows:
        initial = {"decision": row.outcome.decision, "reason": row.outcome.reason} if row.outcome else {}
        if row_error and row_error["key"] == row.key:
            row.form = row_error["form"]
        else:
            row.form = OutcomeForm(initial=initial, prefix=row.key)
    context = {
        "page": page,
        "phase": phase,
        "can_record": phase == Phase.CLOSED,
        "due": _due(page, phase),
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 100,
        "filters": filters,
        "query": _query(filters, page_obj.number),
        "base_query": _query(filters),
        "page_obj": page_obj,
        "groups": _groups(rows, filters["view"], _paragraph_heading),
        "views": [("paragraph", _("By paragraph")), ("organisation", _("By organisation"))],
        "bulk_form": bulk_form or OutcomeForm(prefix="bulk"),
        "selected": set(selected),
        "decisions": OutcomeDecision.choices,
        "reason_max": REASON_MAX_LENGTH,
        **_row_labels(),
    }
    return TemplateResponse(request, "consultations/outcomes/screen.html", context, status=status)


@require_GET
def outcome_screen(request, pk):
    page = live_page(ConsultationPage, pk)
    refusal = _staff_refusal(request.user, page)
    if refusal:
        return _refused_page(request, page, refusal)
    return _screen(request, page)


def _back_to_screen(request, page):
    query = request.POST.get("back", "")
    # Only our own query string goes back into the address: the filters are re-parsed from it.
    safe = {key: value for key, value in _parse_query(query).items() if key in ("view", "missing", "page")}
    url = reverse("consultations:outcomes", args=[page.pk])
    return redirect(f"{url}?{urlencode(safe)}" if safe else url)


def _parse_query(query):
    from django.http import QueryDict

    return {key: value[:20] for key, value in QueryDict(query[:200]).items()}


def _with_back_filters(request):
    """The list's filters come back in the POST's `back` field; the re-rendered list uses them."""
    request.GET = request.GET.copy()
    for key, value in _parse_query(request.POST.get("back", "")).items():
        if key in ("view", "missing", "page"):
            request.GET[key] = value


@require_POST
@rate_limited("consultations.staff")
def record_outcome(request, pk):
    page = live_page(ConsultationPage, pk)
    key = request.POST.get("contribution", "")[:40]
    refusal = _staff_refusal(request.user, page)
    if refusal:
        return _refused_page(request, page, refusal)
    _with_back_filters(request)
    form = OutcomeForm(request.POST, prefix=key)
    try:
        if not form.is_valid():
            raise ParticipationRefused("invalid", _("Check the outcome: it needs a decision and a reason."))
        services.record_outcome(request.user, page, key, **form.cleaned_data)
    except ParticipationRefused as refused:
        if refused.code in PERSONAL_REFUSALS and refused.code != "not_found":
            return _refused_page(request, page, refused)
        messages.error(request, refused.message)
        if not form.errors:
            form.add_error(None, refused.message)
        return _screen(
            request, page, status=STATUS_FOR_CODE.get(refused.code, 400), row_error={"key": key, "form": form}
        )
    messages.success(request, _("The outcome is saved."))
    return _back_to_screen(request, page)


@require_POST
@rate_limited("consultations.staff")
def record_outcomes(request, pk):
    page = live_page(ConsultationPage, pk)
    refusal = _staff_refusal(request.user, page)
    if refusal:
        return _refused_page(request, page, refusal)
    _with_back_filters(request)
    keys = [key[:40] for key in request.POST.getlist("contribution")[: services.BULK_MAX + 1]]
    form = OutcomeForm(request.POST, prefix="bulk")
    try:
        if not form.is_valid():
            raise ParticipationRefused("invalid", _("Check the outcome: it needs a decision and a reason."))
        saved = services.record_outcomes(request.user, page, keys, **form.cleaned_data)
    except ParticipationRefused as refused:
        if refused.code in PERSONAL_REFUSALS and refused.code != "not_found":
            return _refused_page(request, page, refused)
        messages.error(request, refused.message)
        return _screen(request, page, status=STATUS_FOR_CODE.get(refused.code, 400), bulk_form=form, selected=keys)
    messages.success(
        request,
        _("The outcome is saved for %(count)d contributions.") % {"count": len(saved)}
        if len(saved) != 1
        else _("The outcome is saved."),
    )
    return _back_to_screen(request, page)


# Themes ----------------------------------------------------------------------------------------


def _themes_context(page, form, editing=None):
    themes = list(page.themes.select_related("outcome").order_by("pk"))
    return {"page": page, "phase": page.phase(), "themes": themes, "form": form, "editing": editing}


@require_http_methods(["GET", "POST"])
@rate_limited("consultations.staff")
def themes(request, pk):
    page = live_page(ConsultationPage, pk)
    refusal = _staff_refusal(request.user, page)
    if refusal:
        return _refused_page(request, page, refusal)
    form = ThemeForm(request.POST or None)
    template = "consultations/outcomes/themes.html"
    if request.method == "GET":
        return TemplateResponse(request, template, _themes_context(page, form))
    try:
        if not form.is_valid():
            raise ParticipationRefused("invalid", _("Check the theme."))
        services.create_theme(request.user, page, **form.cleaned_data)
    except ParticipationRefused as refused:
        messages.error(request, refused.message)
        status = STATUS_FOR_CODE.get(refused.code, 400)
        return TemplateResponse(request, template, _themes_context(page, form), status=status)
    messages.success(request, _("The theme is added. Record its outcome on the outcomes screen."))
    return redirect("consultations:themes", pk=page.pk)


@require_http_methods(["GET", "POST"])
@rate_limited("consultations.staff")
def theme_edit(request, pk, theme_pk):
    page = live_page(ConsultationPage, pk)
    refusal = _staff_refusal(request.user, page)
    if refusal:
        return _refused_page(request, page, refusal)
    theme = page.themes.filter(pk=theme_pk).first()
    if theme is None:
        raise Http404
    initial = {"title": theme.title, "summary": theme.summary, "answer_count": theme.answer_count}
    form = ThemeForm(request.POST or None, initial=initial)
    template = "consultations/outcomes/themes.html"
    if request.method == "GET":
        return TemplateResponse(request, template, _themes_context(page, form, editing=theme))
    try:
        if not form.is_valid():
            raise ParticipationRefused("invalid", _("Check the theme."))
        services.edit_theme(request.user, page, theme.pk, **form.cleaned_data)
    except ParticipationRefused as refused:
        messages.error(request, refused.message)
        status = STATUS_FOR_CODE.get(refused.code, 400)
        return TemplateResponse(request, template, _themes_context(page, form, editing=theme), status=status)
    messages.success(request, _("The theme is saved."))
    return redirect("consultations:themes", pk=page.pk)


@require_POST
@rate_limited("consultations.staff")
def theme_delete(request, pk, theme_pk):
    page = live_page(ConsultationPage, pk)
    refusal = _staff_refusal(request.user, page)
    if refusal:
        return _refused_page(request, page, refusal)
    try:
        services.delete_theme(request.user, page, theme_pk)
    except ParticipationRefused as refused:
        messages.error(request, refused.message)
        status = STATUS_FOR_CODE.get(refused.code, 400)
        return TemplateResponse(
            request, "consultations/outcomes/themes.html", _themes_context(page, ThemeForm()), status=status
        )
    messages.success(request, _("The theme and its outcome are deleted."))
    return redirect("consultations:themes", pk=page.pk)


# Publishing ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@rate_limited("consultations.staff")
def publish_report(request, pk):
    page = live_page(ConsultationPage, pk)
    refusal = _staff_refusal(request.user, page)
    if refusal:
        return _refused_page(request, page, refusal)
    form = PublishReportForm(request.POST or None, initial={"intro": page.report_intro})
    phase = page.phase()
    done, total = services.progress(services.contribution_index(page, services.paragraphs_of(page)))
    context = {"page": page, "phase": phase, "form": form, "done": done, "total": total, "due": _due(page, phase)}
    template = "consultations/outcomes/publish.html"
    if request.method == "GET":
        return TemplateResponse(request, template, context)
    try:
        if not form.is_valid():
            raise ParticipationRefused("invalid", _("Check the introduction."))
        services.publish_report(request.user, page, **form.cleaned_data)
    except ParticipationRefused as refused:
        messages.error(request, refused.message)
        return TemplateResponse(request, template, context, status=STATUS_FOR_CODE.get(refused.code, 400))
    messages.success(request, _("The outcome report is published and every contributor is notified."))
    return redirect("consultations:report", pk=page.pk)


# The public report -----------------------------------------------------------------------------


def _decision_totals(rows):
    counts = dict.fromkeys(OutcomeDecision.values, 0)
    for row in rows:
        if row.outcome:
            counts[row.outcome.decision] = counts.get(row.outcome.decision, 0) + 1
    return [(label, counts[value]) for value, label in OutcomeDecision.choices]


def _questionnaire_shown(page):
    from questionnaires import hosts

    return bool(page.questions) and hosts.is_registered(ConsultationPage)


@require_GET
def report(request, pk):
    page = live_page(ConsultationPage, pk)
    published = page.phase() == Phase.REPORTED
    if not published and not is_page_staff(request.user, page):
        raise Http404
    rows = _label(services.contributions(page))
    comments = [row for row in rows if row.kind == "comment"]
    papers = [row for row in rows if row.kind == "paper"]
    themes = [row for row in rows if row.kind == "theme"]
    by_organisation = sorted(
        (row for row in rows if row.organisation is not None),
        key=lambda row: (row.organisation.name.casefold(), row.kind != "paper", row.created_at, row.pk),
    )
    sections = [
        {
            "id": "by-paragraph",
            "title": _("By paragraph"),
            "intro": _("Comments of individual participants are shown without their names; organisations are named."),
            "empty": _("No comments on the paragraphs."),
            "groups": [
                (_paragraph_heading(paragraph), list(items))
                for paragraph, items in groupby(comments, key=lambda row: row.paragraph)
            ],
        }
    ]
    if papers:
        sections.append({"id": "papers", "title": _("Position papers"), "groups": [("", papers)]})
    if themes:
        sections.append({"id": "themes", "title": _("Themes of questionnaire answers"), "groups": [("", themes)]})
    context = {
        "page": page,
        "phase": page.phase(),
        "preview": not published,
        "intro_html": render_plain(page.report_intro) if page.report_intro else "",
        "due": _due(page, page.phase()),
        "sections": sections,
        "by_organisation": [
            (name, list(items)) for name, items in groupby(by_organisation, key=lambda row: row.organisation.name)
        ],
        "total": len(rows),
        "totals": _decision_totals(rows),
        "show_questionnaire": _questionnaire_shown(page),
        **_row_labels(),
    }
    response = TemplateResponse(request, "consultations/outcomes/report.html", context)
    return cache_for_anonymous(response, REPORT_CACHE_SECONDS) if published else response


# Exports ---------------------------------------------------------------------------------------


@require_GET
def contributions_csv(request, pk):
    page = live_page(ConsultationPage, pk)
    return exports.contributions_csv(page)


@require_GET
def contributions_json(request, pk):
    page = live_page(ConsultationPage, pk)
    return exports.contributions_json(page)


urlpatterns = [
    path("<int:pk>/outcomes/", outcome_screen, name="outcomes"),
    path("<int:pk>/outcomes/record/", record_outcome, name="outcome_record"),
    path("<int:pk>/outcomes/bulk/", record_outcomes, name="outcome_bulk"),
    path("<int:pk>/outcomes/themes/", themes, name="themes"),
    path("<int:pk>/outcomes/themes/<int:theme_pk>/", theme_edit, name="theme_edit"),
    path("<int:pk>/outcomes/themes/<int:theme_pk>/delete/", theme_delete, name="theme_delete"),
    path("<int:pk>/outcomes/publish/", publish_report, name="report_publish"),
    path("<int:pk>/report/", report, name="report"),
    path("<int:pk>/contributions.csv", contributions_csv, name="contributions_csv"),
    path("<int:pk>/contributions.json", contributions_json, name="contributions_json"),
]
