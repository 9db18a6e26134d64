"""Figures for managers and for open data: per department and month, the volume by type and topic,
response times (median and 90th percentile, received → first answer), the share overdue and the
satisfaction ratings.

Everything is aggregated in the database with a fixed number of GROUP BY queries, whatever the number
of requests. Percentiles need each group's sorted values: PostgreSQL computes them itself
(``percentile_cont``); SQLite has no such aggregate, so there one query reads the answered requests'
two dates and Python computes the same interpolated percentile. Both paths are tested to agree.

"Overdue" means answered after the due date, or not answered and still waiting past it (or closed
unanswered after it): the share is of all requests received in the period.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection
from django.db.models import Aggregate, Case, Count, DateTimeField, F, FloatField, Func, IntegerField, Q, When
from django.db.models import Value as V
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Kind, Request, Status

MAX_MONTHS = 36
DEFAULT_MONTHS = 12
SECONDS_PER_DAY = 86400
SMALL_CELL = 5  # open data: districts with fewer requests are not shown


# Months ------------------------------------------------------------------------------------------------


def month_start(day):
    return date(day.year, day.month, 1)


def add_months(month, count):
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_range(first, last):
    months, current = [], first
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


def parse_month(value):
    """`yyyy-mm` → the month's first day, or None for anything else."""
    value = (value or "").strip()
    if len(value) != 7 or value[4] != "-" or not (value[:4].isdigit() and value[5:].isdigit()):
        return None
    year, month = int(value[:4]), int(value[5:])
    if not (2000 <= year <= 2999 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def period(first=None, last=None, today=None):
    """(first month, last month): by default the last 12 months up to this one; never more than
    MAX_MONTHS, never reversed."""
    this_month = month_start(today or timezone.localdate())
    last = min(last or this_month, this_month)
    first = first or add_months(last, 1 - DEFAULT_MONTHS)
    if first > last:
        first, last = last, first
    if first < add_months(last, 1 - MAX_MONTHS):
        first = add_months(last, 1 - MAX_MONTHS)
    return first, last


def _aware(month):
    return timezone.make_aware(datetime(month.year, month.month, 1))


def month_index(months):
    """An expression numbering each request's month of receipt (0 for the first of `months`): plain
    comparisons with the months' local-time boundaries, which every database evaluates natively
    (SQLite's TruncMonth calls back into Python for every row)."""
    bounds = [_aware(month) for month in months[1:]]
    whens = [When(created_at__lt=bound, then=V(index)) for index, bound in enumerate(bounds)]
    return Case(*whens, default=V(len(months) - 1), output_field=IntegerField())


class ResponseSeconds(Func):
    """Seconds from receipt to the first answer, as a float computed by the database."""

    output_field = FloatField()

    def __init__(self):
        super().__init__(F("answered_at"), F("created_at"))

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="((julianday(%(expressions)s)) * 86400.0)", arg_joiner=") - julianday("
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))", arg_joiner=" - ")

    def as_sql(self, compiler, connection, **extra_context):
        if "template" not in extra_context:
            extra_context.update(template="EXTRACT(EPOCH FROM (%(expressions)s))", arg_joiner=" - ")
        return super().as_sql(compiler, connection, **extra_context)


def _month_of(value):
    """The month (first day, local time) of a datetime."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return date(value.year, value.month, 1)
    return month_start(value)


# Percentiles -------------------------------------------------------------------------------------------


def percentile_cont(sorted_values, fraction):
    """Linear interpolation between the closest ranks: what PostgreSQL's percentile_cont returns."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    low, high = sorted_values[lower], sorted_values[upper]
    return low + (high - low) * (position - lower)


class _PercentileCont(Aggregate):
    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction):
        # A number from this module, never user input: it is written into the SQL as a literal.
        super().__init__(expression, fraction=float(fraction))


def uses_percentile_aggregate():
    return connection.vendor == "postgresql"


# Figures -----------------------------------------------------------------------------------------------


@dataclass
class Figures:
    requests: int = 0
    by_kind: dict = field(default_factory=dict)
    answered: int = 0
    overdue: int = 0
    median_seconds: float | None = None
    p90_seconds: float | None = None
    ratings: list = field(default_factory=lambda: [0, 0, 0, 0, 0])

    def add_counts(self, kind, requests, answered, overdue):
        self.requests += requests
        self.answered += answered
        self.overdue += overdue
        self.by_kind[kind] = self.by_kind.get(kind, 0) + requests

    @property
    def median_days(self):
        return None if self.median_seconds is None else round(self.median_seconds / SECONDS_PER_DAY, 1)

    @property
    def p90_days(self):
        return None if self.p90_seconds is None else round(self.p90_seconds / SECONDS_PER_DAY, 1)

    @property
    def overdue_share(self):
        """Per cent of the requests, one decimal; None without requests."""
        return round(100 * self.overdue / self.requests, 1) if self.requests else None

    @property
    def rating_count(self):
        return sum(self.ratings)

    @property
    def rating_average(self):
        count = self.rating_count
        if not count:
            return None
        return round(sum(level * n for level, n in enumerate(self.ratings, start=1)) / count, 2)

    def kind_counts(self):
        return [(kind, label, self.by_kind.get(kind, 0)) for kind, label in Kind.choices]


@dataclass
class Report:
    first: date
    last: date
    months: list
    cells: dict  # (department id, month) → Figures
    by_month: dict  # month → Figures
    by_department: dict  # department id → Figures
    total: Figures
    topics: dict  # (department id, month, topic name) → count
    topic_totals: list  # [(topic name, count)], largest first
    department_names: dict  # department id → name

    def department_rows(self):
        """[(id, name, Figures)] sorted by name."""
        return sorted(
            ((pk, self.department_names.get(pk, "?"), figures) for pk, figures in self.by_department.items()),
            key=lambda row: row[1].lower(),
        )

    def department_rows_labelled(self):
        return [(name, figures) for _pk, name, figures in self.department_rows()]

    def month_rows(self):
        return [(month, self.by_month.get(month) or Figures()) for month in self.months]

    def cell_rows(self):
        """[(month, department id, name, Figures)] for each department and month with requests."""
        rows = [(month, pk, self.department_names.get(pk, "?"), figures) for (pk, month), figures in self.cells.items()]
        return sorted(rows, key=lambda row: (row[0], row[2].lower()))


def overdue_condition(now):
    waited_until = Coalesce(F("closed_at"), V(now, output_field=DateTimeField()))
    return Q(answered_at__isnull=False, answered_at__gt=F("due_at")) | Q(
        answered_at__isnull=True, due_at__lt=waited_until
    )


def scoped(requests, first, last):
    """The requests received in the months first..last (confirmed ones only)."""
    return requests.exclude(status=Status.UNCONFIRMED).filter(
        created_at__gte=_aware(first), created_at__lt=_aware(add_months(last, 1))
    )


def compute(requests, first, last, now=None):
    """The report for `requests` (an unevaluated, already permission-scoped queryset) received in the
    months first..last."""
    now = now or timezone.now()
    requests = scoped(requests, first, last).order_by()
    months = month_range(first, last)
    month = month_index(months)
    cells, by_month, by_department = defaultdict(Figures), defaultdict(Figures), defaultdict(Figures)
    total = Figures()

    counts = requests.values("department_id", "kind", m=month).annotate(
        n=Count("pk"),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        overdue=Count("pk", filter=overdue_condition(now)),
    )
    for row in counts:
        key = (row["department_id"], months[row["m"]])
        for figures in (cells[key], by_month[key[1]], by_department[key[0]], total):
            figures.add_counts(row["kind"], row["n"], row["answered"], row["overdue"])

    ratings = (
        requests.filter(ratings__isnull=False)
        .values("department_id", m=month, rating=F("ratings__rating"))
        .annotate(n=Count("pk"))
    )
    for row in ratings:
        if not 1 <= row["rating"] <= 5:
            continue
        key = (row["department_id"], months[row["m"]])
        for figures in (cells[key], by_month[key[1]], by_department[key[0]], total):
            figures.ratings[row["rating"] - 1] += row["n"]

    _percentiles(requests, months, cells, by_month, by_department, total)

    topics = {}
    topic_totals = defaultdict(int)
    for row in requests.values("department_id", topic_name=F("topic__name"), m=month).annotate(n=Count("pk")):
        topics[(row["department_id"], months[row["m"]], row["topic_name"])] = row["n"]
        topic_totals[row["topic_name"]] += row["n"]

    from meydan.accounts.models import Organisation

    names = dict(Organisation.objects.filter(pk__in=list(by_department)).values_list("pk", "name"))
    return Report(
        first=first,
        last=last,
        months=months,
        cells=dict(cells),
        by_month=dict(by_month),
        by_department=dict(by_department),
        total=total,
        topics=topics,
        topic_totals=sorted(topic_totals.items(), key=lambda item: (-item[1], item[0])),
        department_names=names,
    )


def _percentiles(requests, months, cells, by_month, by_department, total):
    answered = requests.filter(answered_at__isnull=False)
    if uses_percentile_aggregate():
        _percentiles_in_database(answered, months, cells, by_month, by_department, total)
    else:
        _percentiles_in_python(answered, months, cells, by_month, by_department, total)


def _percentiles_in_database(answered, months, cells, by_month, by_department, total):
    figures = {
        "median": _PercentileCont(ResponseSeconds(), 0.5),
        "p90": _PercentileCont(ResponseSeconds(), 0.9),
    }
    month = month_index(months)

    def store(target, row):
        target.median_seconds, target.p90_seconds = row["median"], row["p90"]

    for row in answered.values("department_id", m=month).annotate(**figures):
        store(cells[(row["department_id"], months[row["m"]])], row)
    for row in answered.values(m=month).annotate(**figures):
        store(by_month[months[row["m"]]], row)
    for row in answered.values("department_id").annotate(**figures):
        store(by_department[row["department_id"]], row)
    store(total, answered.aggregate(**figures))


def _percentiles_in_python(answered, months, cells, by_month, by_department, total):
    """One query of (department, month number, seconds): numbers only, no dates to parse."""
    groups = defaultdict(list)
    rows = answered.annotate(m=month_index(months), seconds=ResponseSeconds()).values_list(
        "department_id", "m", "seconds"
    )
    for department_id, index, seconds in rows:
        month = months[index]
        groups[("cell", department_id, month)].append(seconds)
        groups[("month", month)].append(seconds)
        groups[("department", department_id)].append(seconds)
        groups[("total",)].append(seconds)
    for key, values in groups.items():
        values.sort()
        if key[0] == "cell":
            target = cells[(key[1], key[2])]
        elif key[0] == "month":
            target = by_month[key[1]]
        elif key[0] == "department":
            target = by_department[key[1]]
        else:
            target = total
        target.median_seconds = percentile_cont(values, 0.5)
        target.p90_seconds = percentile_cont(values, 0.9)


def districts(requests, first, last, minimum=SMALL_CELL):
    """[(district, count)] for districts with at least `minimum` requests (small cells would single
    people out), largest first, and how many districts were left out."""
    rows = (
        scoped(requests, first, last)
        .exclude(district="")
        .values("district")
        .annotate(n=Count("pk"))
        .order_by("-n", "district")
    )
    shown, hidden = [], 0
    for row in rows:
        if row["n"] >= minimum:
            shown.append((row["district"], row["n"]))
        else:
            hidden += 1
    return shown, hidden


def naive_compute(requests, first, last, now=None):
    """The baseline for the benchmark: every request loaded and checked one by one in Python, with a
    query per request for its rating (what a first version without GROUP BY would do)."""
    from django.contrib.contenttypes.models import ContentType

    from .models import Satisfaction

    now = now or timezone.now()
    content_type = ContentType.objects.get_for_model(Request)
    cells = defaultdict(lambda: {"requests": 0, "durations": [], "overdue": 0, "ratings": [0] * 5})
    for request in scoped(requests, first, last).select_related("topic"):
        cell = cells[(request.department_id, _month_of(request.created_at))]
        cell["requests"] += 1
        if request.answered_at:
            cell["durations"].append((request.answered_at - request.created_at).total_seconds())
            late = request.answered_at > request.due_at
        else:
            late = request.due_at < (request.closed_at or now)
        cell["overdue"] += int(late)
        rating = Satisfaction.objects.filter(content_type=content_type, object_id=request.pk).first()
        if rating:
            cell["ratings"][rating.rating - 1] += 1
    for cell in cells.values():
        cell["durations"].sort()
        cell["median"] = percentile_cont(cell["durations"], 0.5)
        cell["p90"] = percentile_cont(cell["durations"], 0.9)
    return cells
