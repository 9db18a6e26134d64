"""The managers' dashboard, the printable monthly report and the public open-data summary.

The dashboard and report are for administrators of a municipality (all its departments) or of a
department (that department): anyone else logged in gets 404, as for a page that does not exist.
The open-data summary has the same figures for everyone, without any text or person, and without
districts where fewer than five requests came from.
"""

from django.db.models import Q
from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from meydan import audit, charts
from meydan.accounts.models import Organisation
from meydan.csvexport import csv_response, write_rows
from meydan.pagecache import cache_for_anonymous

from . import reports
from .forms import DashboardForm, OpenDataForm
from .models import Kind, Request, Topic
from .rules import is_manager, managed_scope
from .satisfaction import RATINGS
from .views import redirect_to_login

OPEN_DATA_CACHE_SECONDS = 15 * 60
TOP_TOPICS = 12


# Scope ---------------------------------------------------------------------------------------------------


def managed_requests(user):
    municipalities, departments = managed_scope(user)
    if municipalities is None:
        return Request.objects.all()
    return Request.objects.filter(Q(municipality_id__in=municipalities) | Q(department_id__in=departments))


def managed_departments(user):
    municipalities, departments = managed_scope(user)
    dept = Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT)
    if municipalities is not None:
        dept = dept.filter(Q(parent_id__in=municipalities) | Q(pk__in=departments))
    return list(dept.order_by("name"))


def _manager_only(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request)
    if not is_manager(request.user):
        raise Http404
    return None


# Presentation ------------------------------------------------------------------------------------------


def month_label(month):
    return date_format(month, "YEAR_MONTH_FORMAT")


def _num(value):
    return number_format(value, decimal_pos=1, force_grouping=True)


def _days(value):
    return "–" if value is None else _("%(days)s days") % {"days": _num(value)}


def _share_text(figures):
    if figures.overdue_share is None:
        return "–"
    return _("%(share)s %% (%(count)d of %(total)d)") % {
        "share": _num(figures.overdue_share),
        "count": figures.overdue,
        "total": figures.requests,
    }


def report_charts(report, *, per_month=True):
    """The charts for a report, each with its data table (charts.* draw both)."""
    items = []
    if per_month and len(report.months) > 1:
        items.append(
            charts.bars(
                [(month_label(month), figures.requests) for month, figures in report.month_rows()],
                title=_("Requests received per month"),
                label_heading=_("Month"),
                value_heading=_("Requests"),
                chart_id="chart-months",
            )
        )
    items.append(
        charts.bars(
            [(label, count) for _kind, label, count in report.total.kind_counts()],
            title=_("Requests by type"),
            total=report.total.requests,
            label_heading=_("Type"),
            value_heading=_("Requests"),
            chart_id="chart-types",
        )
    )
    items.append(
        charts.bars(
            report.topic_totals[:TOP_TOPICS],
            title=_("Requests by topic"),
            description=_("The %(count)d topics with the most requests.") % {"count": TOP_TOPICS}
            if len(report.topic_totals) > TOP_TOPICS
            else "",
            total=report.total.requests,
            label_heading=_("Topic"),
            value_heading=_("Requests"),
            chart_id="chart-topics",
        )
    )
    departments = report.department_rows()
    items.append(
        charts.bars(
            [
                (
                    name,
                    figures.median_days or 0,
                    _("median %(median)s, 90th percentile %(p90)s")
                    % {"median": _days(figures.median_days), "p90": _days(figures.p90_days)},
                )
                for _pk, name, figures in departments
            ],
            title=_("Response time by department (received → answered)"),
            label_heading=_("Department"),
            value_heading=_("Days"),
            chart_id="chart-response",
        )
    )
    items.append(
        charts.bars(
            [(name, figures.overdue_share or 0, _share_text(figures)) for _pk, name, figures in departments],
            title=_("Share of requests overdue by department"),
            description=_("Answered after the due date, or still waiting past it."),
            label_heading=_("Department"),
            value_heading=_("Overdue"),
            max_value=100,
            chart_id="chart-overdue",
        )
    )
    rated = [(name, figures.ratings) for _pk, name, figures in departments if figures.rating_count]
    items.append(
        charts.diverging(
            rated,
            levels=[label for _value, label in RATINGS],
            title=_("Satisfaction with the answers by department"),
            label_heading=_("Department"),
            chart_id="chart-satisfaction",
        )
    )
    return items


def _period_initial(first, last):
    return {"start": first.strftime("%Y-%m"), "end": last.strftime("%Y-%m")}


# CSV and JSON rows ---------------------------------------------------------------------------------------


def summary_header():
    return [
        _("month"),
        _("department"),
        _("requests"),
        *(str(label).lower() for _kind, label in Kind.choices),
        _("answered"),
        _("median response (days)"),
        _("90th percentile response (days)"),
        _("overdue"),
        _("overdue share (%)"),
        _("ratings"),
        _("average rating"),
        *(_("rated %(level)d") % {"level": level} for level in range(1, 6)),
    ]


def _blank(value):
    return "" if value is None else value


def summary_rows(report):
    for month, _pk, name, figures in report.cell_rows():
        yield [
            month.strftime("%Y-%m"),
            name,
            figures.requests,
            *(count for _kind, _label, count in figures.kind_counts()),
            figures.answered,
            _blank(figures.median_days),
            _blank(figures.p90_days),
            figures.overdue,
            _blank(figures.overdue_share),
            figures.rating_count,
            _blank(figures.rating_average),
            *figures.ratings,
        ]


def topic_rows(report):
    rows = sorted(report.topics.items(), key=lambda item: (item[0][1], report.department_names.get(item[0][0], "")))
    for (department_id, month, topic), count in rows:
        yield [month.strftime("%Y-%m"), report.department_names.get(department_id, "?"), topic, count]


def _csv(report, table, filename):
    response = csv_response(filename)
    if table == "topics":
        return write_rows(response, [_("month"), _("department"), _("topic"), _("requests")], topic_rows(report))
    return write_rows(response, summary_header(), summary_rows(report))


# Dashboard -----------------------------------------------------------------------------------------------


def _dashboard_report(request):
    """(form, valid, report): an invalid filter shows the default period, with the form's errors."""
    departments = managed_departments(request.user)
    form = DashboardForm(request.GET or None, departments=departments)
    valid = not form.is_bound or form.is_valid()
    data = form.cleaned_data if form.is_bound and valid else {}
    first, last = reports.period(data.get("start"), data.get("end"))
    requests = managed_requests(request.user)
    if data.get("department"):
        requests = requests.filter(department_id=data["department"])
    if not form.is_bound:
        form = DashboardForm(initial=_period_initial(first, last), departments=departments)
    return form, valid, reports.compute(requests, first, last)


@never_cache
@require_GET
def dashboard(request):
    refusal = _manager_only(request)
    if refusal:
        return refusal
    form, valid, report = _dashboard_report(request)
    context = {
        "form": form,
        "report": report,
        "charts": report_charts(report),
        "month_rows": [(month, month_label(month), figures) for month, figures in report.month_rows()],
        "querystring": request.GET.urlencode() if valid else "",
        "current_month": report.last.strftime("%Y-%m"),
    }
    return TemplateResponse(request, "desk/dashboard.html", context, status=200 if valid else 400)


@never_cache
@require_GET
def dashboard_csv(request):
    refusal = _manager_only(request)
    if refusal:
        return refusal
    form, valid, report = _dashboard_report(request)
    if not valid:
        return TemplateResponse(
            request,
            "desk/dashboard.html",
            {"form": form, "report": report, "charts": [], "month_rows": []},
            status=400,
        )
    table = "topics" if request.GET.get("table") == "topics" else "summary"
    filename = f"requests-{table}-{report.first:%Y-%m}-{report.last:%Y-%m}.csv"
    audit.record(audit.EXPORT, actor=request.user, data={"export": filename, "filters": request.GET.dict()})
    response = _csv(report, table, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_GET
def monthly_report(request, year, month):
    refusal = _manager_only(request)
    if refusal:
        return refusal
    chosen = reports.parse_month(f"{year}-{month}")
    if chosen is None or chosen > reports.month_start(timezone.localdate()):
        raise Http404
    report = reports.compute(managed_requests(request.user), chosen, chosen)
    context = {
        "report": report,
        "month": chosen,
        "month_label": month_label(chosen),
        "charts": report_charts(report, per_month=False),
        "previous": reports.add_months(chosen, -1),
        "next": reports.add_months(chosen, 1) if chosen < reports.month_start(timezone.localdate()) else None,
        "generated_at": timezone.now(),
    }
    return TemplateResponse(request, "desk/monthly_report.html", context)


# Open data -----------------------------------------------------------------------------------------------


def _municipalities():
    return list(
        Organisation.objects.filter(
            kind=Organisation.Kind.MUNICIPALITY, pk__in=Topic.objects.values("municipality_id")
        ).order_by("name")
    )


def _open_data(request):
    """(form, valid, municipality, report, districts, hidden districts)."""
    municipalities = _municipalities()
    form = OpenDataForm(request.GET or None, municipalities=municipalities)
    valid = not form.is_bound or form.is_valid()
    data = form.cleaned_data if form.is_bound and valid else {}
    by_slug = {m.slug: m for m in municipalities}
    municipality = by_slug.get(data.get("municipality")) or (municipalities[0] if municipalities else None)
    first, last = reports.period(data.get("start"), data.get("end"))
    requests = Request.objects.filter(municipality=municipality) if municipality else Request.objects.none()
    report = reports.compute(requests, first, last)
    shown, hidden = reports.districts(requests, first, last)
    if not form.is_bound:
        initial = _period_initial(first, last)
        if municipality:
            initial["municipality"] = municipality.slug
        form = OpenDataForm(initial=initial, municipalities=municipalities)
    return form, valid, municipality, report, shown, hidden


@require_GET
def open_data(request):
    form, valid, municipality, report, districts, hidden = _open_data(request)
    context = {
        "form": form,
        "municipality": municipality,
        "report": report,
        "charts": report_charts(report),
        "month_labels": [(month_label(month), figures) for month, figures in report.month_rows()],
        "districts": districts,
        "hidden_districts": hidden,
        "small_cell": reports.SMALL_CELL,
        "querystring": request.GET.urlencode() if valid else "",
    }
    response = TemplateResponse(request, "desk/open_data.html", context, status=200 if valid else 400)
    if valid and not request.user.is_authenticated:
        cache_for_anonymous(response, OPEN_DATA_CACHE_SECONDS)
    return response


def _open_data_invalid(form):
    errors = {name: [str(error) for error in messages] for name, messages in form.errors.items()}
    return JsonResponse({"errors": errors}, status=400)


@require_GET
def open_data_csv(request):
    form, valid, municipality, report, districts, _hidden = _open_data(request)
    if not valid:
        return _open_data_invalid(form)
    table = request.GET.get("table", "summary")
    slug = municipality.slug if municipality else "none"
    name = f"{slug}-requests-{table}-{report.first:%Y-%m}-{report.last:%Y-%m}.csv"
    if table == "districts":
        response = write_rows(csv_response(name), [_("district"), _("requests")], districts)
    else:
        response = _csv(report, "topics" if table == "topics" else "summary", name)
    return _public(request, response)


def _figures_json(figures):
    return {
        "requests": figures.requests,
        "by_type": {kind: count for kind, _label, count in figures.kind_counts()},
        "answered": figures.answered,
        "median_response_days": figures.median_days,
        "p90_response_days": figures.p90_days,
        "overdue": figures.overdue,
        "overdue_share_percent": figures.overdue_share,
        "ratings": {str(level): count for level, count in enumerate(figures.ratings, start=1)},
        "rating_average": figures.rating_average,
    }


def open_data_document(municipality, report, districts, hidden):
    return {
        "municipality": {"name": municipality.name, "slug": municipality.slug} if municipality else None,
        "period": {"first": report.first.strftime("%Y-%m"), "last": report.last.strftime("%Y-%m")},
        "definitions": {
            "response": "days from receipt to the first answer (median and 90th percentile, interpolated)",
            "overdue": "answered after the due date, or not answered and waiting past it",
            "small_cells": f"districts with fewer than {reports.SMALL_CELL} requests are left out",
        },
        "total": _figures_json(report.total),
        "months": [
            {"month": month.strftime("%Y-%m"), **_figures_json(figures)} for month, figures in report.month_rows()
        ],
        "departments": [
            {"month": month.strftime("%Y-%m"), "department": name, **_figures_json(figures)}
            for month, _pk, name, figures in report.cell_rows()
        ],
        "topics": [
            {"month": row[0], "department": row[1], "topic": row[2], "requests": row[3]} for row in topic_rows(report)
        ],
        "districts": [{"district": district, "requests": count} for district, count in districts],
        "districts_left_out": hidden,
    }


@require_GET
def open_data_json(request):
    form, valid, municipality, report, districts, hidden = _open_data(request)
    if not valid:
        return _open_data_invalid(form)
    response = JsonResponse(open_data_document(municipality, report, districts, hidden))
    return _public(request, response)


def _public(request, response):
    response["Access-Control-Allow-Origin"] = "*"
    if not request.user.is_authenticated:
        cache_for_anonymous(response, OPEN_DATA_CACHE_SECONDS)
    return response
