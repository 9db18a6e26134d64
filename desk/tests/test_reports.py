"""The dashboard, the monthly report and the open-data summary: figures on known data, who sees them,
what the exports leave out, and queries that do not grow with the number of requests."""

import csv
import io
import json
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desk import reports
from desk.models import Request

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("desk:dashboard")
OPEN_DATA = reverse("desk:open_data")


def _month(offset):
    return reports.add_months(reports.month_start(timezone.localdate()), offset)


def _at(month, day=3, hour=9):
    return timezone.make_aware(datetime(month.year, month.month, day, hour))


@pytest.fixture
def months():
    return _month(-3), _month(-2)


@pytest.fixture
def known(add_request, department, other_department, months):
    """Department A in month M: answered after 1, 2, 3, 4 and 10 days (the last one late), one still
    waiting past its due date, one closed unanswered in time, one not yet due; four ratings.
    Department B in month M+1: one answered after 6 days. Plus noise that must not count."""
    first, second = months
    created = _at(first)
    add_request(department, created, answered_after=1, rating=5, district="Moda")
    add_request(department, created, answered_after=2, rating=4, district="Moda")
    add_request(department, created, answered_after=3, rating=4, district="Moda")
    add_request(department, created, answered_after=4, rating=1, district="Moda", kind="complaint")
    add_request(department, created, answered_after=10, due_days=5, kind="complaint", district="Moda")
    add_request(department, created, due_days=5, district="Kadıköy")
    add_request(department, created, closed_after=2, district="Kadıköy")
    add_request(department, created, due_days=365, kind="suggestion", district="Evimin önü 12")
    add_request(other_department, _at(second), answered_after=6, kind="information")
    # Not counted: unconfirmed, and received long before the period.
    add_request(department, created, status="unconfirmed")
    add_request(department, _at(_month(-30)), answered_after=50)


# Figures ------------------------------------------------------------------------------------------------


def test_percentile_matches_postgres_interpolation():
    assert reports.percentile_cont([1, 2, 3, 4, 10], 0.5) == 3
    assert reports.percentile_cont([1, 2, 3, 4, 10], 0.9) == pytest.approx(7.6)
    assert reports.percentile_cont([6], 0.9) == 6
    assert reports.percentile_cont([], 0.5) is None


def _check_known(report, department, other_department, months):
    first, second = months
    a = report.cells[(department.pk, first)]
    assert a.requests == 8
    assert a.answered == 5
    assert a.by_kind == {"request": 5, "complaint": 2, "suggestion": 1}
    assert a.median_days == 3.0
    assert a.p90_days == 7.6
    assert a.overdue == 2
    assert a.overdue_share == 25.0
    assert a.ratings == [1, 0, 0, 2, 1]
    assert a.rating_average == 3.5
    b = report.cells[(other_department.pk, second)]
    assert (b.requests, b.median_days, b.p90_days, b.overdue, b.rating_count) == (1, 6.0, 6.0, 0, 0)
    assert report.by_month[second].requests == 1
    assert report.by_department[department.pk].median_days == 3.0
    total = report.total
    assert total.requests == 9
    assert total.median_days == 3.5  # [1, 2, 3, 4, 6, 10]
    assert total.p90_days == 8.0
    assert total.overdue_share == round(100 * 2 / 9, 1)
    assert report.topic_totals == [("Yol ve kaldırım", 9)]


def test_figures_on_known_data(known, department, other_department, months):
    report = reports.compute(Request.objects.all(), *months)
    _check_known(report, department, other_department, months)
    assert report.months == list(months)


def test_python_percentiles_agree_with_the_database_path(known, department, other_department, months, monkeypatch):
    """SQLite always takes the Python path; on PostgreSQL both paths run and must agree."""
    in_db = reports.compute(Request.objects.all(), *months)
    monkeypatch.setattr(reports, "uses_percentile_aggregate", lambda: False)
    in_python = reports.compute(Request.objects.all(), *months)
    _check_known(in_python, department, other_department, months)
    for key, figures in in_db.cells.items():
        assert in_python.cells[key].median_seconds == pytest.approx(figures.median_seconds)
        assert in_python.cells[key].p90_seconds == pytest.approx(figures.p90_seconds)


@pytest.mark.postgres
def test_postgres_uses_percentile_cont(known, department, other_department, months):
    assert reports.uses_percentile_aggregate()
    with CaptureQueriesContext(connection) as queries:
        report = reports.compute(Request.objects.all(), *months)
    assert any("PERCENTILE_CONT" in query["sql"] for query in queries.captured_queries)
    _check_known(report, department, other_department, months)


def test_period_defaults_and_bounds():
    today = timezone.localdate()
    this_month = reports.month_start(today)
    assert reports.period() == (reports.add_months(this_month, -11), this_month)
    first, last = reports.period(reports.add_months(this_month, -100), None)
    assert first == reports.add_months(last, 1 - reports.MAX_MONTHS)
    assert reports.period(None, reports.add_months(this_month, 5))[1] == this_month
    for bad in ("2026-13", "26-01", "2026-1", "abcd-ef", "", "2026-01-01"):
        assert reports.parse_month(bad) is None


def test_districts_with_few_requests_are_left_out(known, months):
    shown, hidden = reports.districts(Request.objects.all(), *months)
    assert shown == [("Moda", 5)]
    assert hidden == 2


# Who sees the dashboard ------------------------------------------------------------------------------


@pytest.fixture
def people(requester, resident, official, department_admin, municipality_admin):
    return {
        "requester": requester,
        "resident": resident,
        "official": official,
        "department_admin": department_admin,
        "municipality_admin": municipality_admin,
    }


@pytest.mark.parametrize(
    "url",
    [DASHBOARD, reverse("desk:dashboard_csv"), reverse("desk:monthly_report", args=["2026", "01"])],
)
@pytest.mark.parametrize(
    "role, status",
    [
        ("anonymous", 302),
        ("requester", 404),
        ("resident", 404),
        ("official", 404),
        ("department_admin", 200),
        ("municipality_admin", 200),
    ],
)
def test_dashboard_permission_grid(client, people, make_request, role, status, url, settings):
    make_request()
    if role != "anonymous":
        client.force_login(people[role])
    if "report" in url and reports.parse_month("2026-01") > reports.month_start(timezone.localdate()):
        pytest.skip("the report month lies in the future on this clock")
    response = client.get(url)
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("accounts:login"))


def test_municipality_admin_sees_every_department(client, known, municipality_admin, department, other_department):
    client.force_login(municipality_admin)
    response = client.get(DASHBOARD)
    content = response.content.decode()
    assert response.status_code == 200
    assert department.name in content and other_department.name in content
    assert response.context["report"].total.requests == 9
    assert 'href="/static/meydan/charts.css"' in content or "charts.css" in content
    assert content.count("<svg") >= 5
    assert "Gizli metin" not in content and "private@example.org" not in content


def test_department_admin_sees_only_their_department(client, known, department_admin, other_department):
    client.force_login(department_admin)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["report"].total.requests == 8
    assert other_department.name not in response.content.decode()
    # Asking for another department's figures is refused, not answered.
    refused = client.get(DASHBOARD, {"department": other_department.pk})
    assert refused.status_code == 400
    assert "Choose one of your departments." in refused.content.decode()


def test_department_filter_and_month_range(client, known, municipality_admin, other_department, months):
    client.force_login(municipality_admin)
    response = client.get(DASHBOARD, {"department": other_department.pk})
    assert response.context["report"].total.requests == 1
    first, _second = months
    only_first = client.get(DASHBOARD, {"start": first.strftime("%Y-%m"), "end": first.strftime("%Y-%m")})
    assert only_first.context["report"].total.requests == 8


@pytest.mark.parametrize(
    "params, message",
    [
        ({"start": "2026-13"}, "Give the month as year and month"),
        ({"end": "<script>"}, "Give the month as year and month"),
        ({"start": "2025-06", "end": "2025-01"}, "The first month must not come after the last."),
        ({"department": "abc"}, "Choose one of your departments."),
    ],
)
def test_bad_filters_get_a_message(client, municipality_admin, params, message):
    client.force_login(municipality_admin)
    response = client.get(DASHBOARD, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_dashboard_queries_do_not_grow(client, add_request, municipality_admin, department, other_department):
    client.force_login(municipality_admin)
    counts = []
    for total in (5, 80):
        while Request.objects.count() < total:
            number = Request.objects.count()
            add_request(
                department if number % 2 else other_department,
                _at(_month(-(number % 6)), day=1 + number % 20),
                answered_after=number % 9 if number % 3 else None,
                rating=1 + number % 5 if number % 4 == 0 else None,
            )
        client.get(DASHBOARD)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(DASHBOARD).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 14


def test_dashboard_csv_has_the_aggregates_and_no_personal_data(client, known, municipality_admin, months, department):
    client.force_login(municipality_admin)
    response = client.get(reverse("desk:dashboard_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    first_row = dict(zip(header, body[0], strict=True))
    assert first_row["month"] == months[0].strftime("%Y-%m")
    assert first_row["department"] == department.name
    assert first_row["requests"] == "8"
    assert first_row["median response (days)"] == "3.0"
    assert first_row["90th percentile response (days)"] == "7.6"
    assert first_row["overdue share (%)"] == "25.0"
    assert first_row["average rating"] == "3.5"
    for private in ("Gizli metin", "private@example.org", "Kişisel yorum", "Moda", "MYD-"):
        assert private not in text
    topics = client.get(reverse("desk:dashboard_csv"), {"table": "topics"}).content.decode("utf-8-sig")
    assert "Yol ve kaldırım" in topics
    # Each download is in the audit log with who took it.
    from wagtail.models import ModelLogEntry

    exports = ModelLogEntry.objects.filter(action="meydan.export", user=municipality_admin)
    assert [entry.data["export"].split("-")[1] for entry in exports.order_by("pk")] == ["summary", "topics"]


def test_monthly_report(client, known, municipality_admin, months, department):
    client.force_login(municipality_admin)
    first, _second = months
    response = client.get(reverse("desk:monthly_report", args=[first.strftime("%Y"), first.strftime("%m")]))
    assert response.status_code == 200
    content = response.content.decode()
    assert response.context["report"].total.requests == 8
    assert department.name in content
    assert "report-print.css" in content and 'media="print"' in content
    future = _month(2)
    assert (
        client.get(reverse("desk:monthly_report", args=[future.strftime("%Y"), future.strftime("%m")])).status_code
        == 404
    )
    assert client.get("/desk/dashboard/report/2026-13/").status_code == 404


# Open data -----------------------------------------------------------------------------------------------


def test_open_data_page_for_everyone_without_personal_data(client, known, municipality):
    response = client.get(OPEN_DATA)
    assert response.status_code == 200
    content = response.content.decode()
    assert municipality.name in content
    assert "Moda" in content
    for private in ("Kadıköy", "Evimin önü", "Gizli metin", "private@example.org", "Kişisel yorum", "MYD-"):
        assert private not in content
    assert response.context["report"].total.requests == 9
    assert getattr(response, "meydan_cache_seconds", 0) > 0


def test_open_data_is_served_from_the_cache_for_anonymous_visitors(client, known, add_request, department, months):
    first = client.get(OPEN_DATA).content
    with CaptureQueriesContext(connection) as queries:
        second = client.get(OPEN_DATA)
    assert second.content == first
    assert len(queries) <= 1  # the cache version only (local memory cache: none)


def test_open_data_json_and_csv(client, known, months):
    document = json.loads(client.get(reverse("desk:open_data_json")).content)
    assert document["total"]["requests"] == 9
    assert document["districts"] == [{"district": "Moda", "requests": 5}]
    assert document["districts_left_out"] == 2
    cell = next(row for row in document["departments"] if row["month"] == months[0].strftime("%Y-%m"))
    assert cell["median_response_days"] == 3.0
    assert cell["ratings"] == {"1": 1, "2": 0, "3": 0, "4": 2, "5": 1}
    text = json.dumps(document, ensure_ascii=False)
    for private in ("Kadıköy", "Evimin önü", "Gizli metin", "private@example.org", "Kişisel yorum", "MYD-"):
        assert private not in text
    districts = client.get(reverse("desk:open_data_csv"), {"table": "districts"}).content.decode("utf-8-sig")
    assert "Moda,5" in districts and "Kadıköy" not in districts
    summary = client.get(reverse("desk:open_data_csv")).content.decode("utf-8-sig")
    assert "Gizli metin" not in summary and "private@example.org" not in summary


def test_open_data_refuses_bad_input(client, known):
    assert client.get(OPEN_DATA, {"start": "x" * 500}).status_code == 400
    response = client.get(reverse("desk:open_data_json"), {"municipality": "nowhere"})
    assert response.status_code == 400
    assert "Choose one of the municipalities." in response.content.decode()
