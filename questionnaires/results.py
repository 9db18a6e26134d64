"""Results of a questionnaire: counts per option, Likert distributions, ranking positions, and CSV.

`compute` reads the answers of every response in one query and aggregates them in Python: 10,000
responses of ten questions take 0.2–0.4 s on SQLite and PostgreSQL alike on a shared 2-core machine,
most of it decoding the JSON. Aggregating in PostgreSQL (jsonb_each, jsonb_array_elements) was not
faster (0.24 s for the two queries alone, before shaping the results) and would need a second code
path for SQLite. The performance test bounds the queries, not the time.

Results only count texts; the texts themselves come from `free_texts`, which the host's
`can_view_free_text` guards.
"""

import csv
from collections import Counter

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from meydan.csvexport import safe_cell

from . import hosts
from .models import Response

KIND_LABELS = {
    "single_choice": lambda: _("Single choice"),
    "multiple_choice": lambda: _("Multiple choice"),
    "likert": lambda: _("Agreement scale (1–5)"),
    "free_text": lambda: _("Free text"),
    "ranking": lambda: _("Ranking"),
}


def _responses(host, subject=None):
    queryset = Response.objects.filter(content_type=hosts.content_type_of(host), object_id=host.pk)
    if subject is not None:
        queryset = queryset.filter(subject=subject)
    return queryset


def _share(count, total):
    return round(100 * count / total, 1) if total else 0.0


def _options(question, counts, answered):
    return [
        {"key": key, "label": label, "count": counts.get(key, 0), "share": _share(counts.get(key, 0), answered)}
        for key, label in question.options
    ]


class _Tally:
    """Aggregates the answers to one question, one response at a time."""

    def __init__(self, question):
        self.question = question
        self.keys = set(question.option_keys)
        self.answered = 0
        self.counts = Counter()
        self.position_sums = Counter()
        self.ranked = Counter()
        self.firsts = Counter()

    def add(self, value):
        kind = self.question.kind
        if kind == "single_choice":
            if value in self.keys:
                self.answered += 1
                self.counts[value] += 1
        elif kind == "multiple_choice":
            chosen = [key for key in value if key in self.keys] if isinstance(value, list) else []
            if chosen:
                self.answered += 1
                self.counts.update(chosen)
        elif kind == "likert":
            if value in (1, 2, 3, 4, 5):
                self.answered += 1
                self.counts[value] += 1
        elif kind == "free_text":
            if isinstance(value, str) and value:
                self.answered += 1
        elif kind == "ranking" and isinstance(value, list):
            # Only the items still in the question count, in the order they were given.
            order = [key for key in value if key in self.keys]
            if order:
                self.answered += 1
                self.firsts[order[0]] += 1
                for position, key in enumerate(order, start=1):
                    self.position_sums[key] += position
                    self.ranked[key] += 1

    def result(self):
        question, answered = self.question, self.answered
        result = {"question": question, "kind": question.kind, "answered": answered}
        if question.kind in ("single_choice", "multiple_choice"):
            result["options"] = _options(question, self.counts, answered)
        elif question.kind == "likert":
            result.update(_likert(question, self.counts, answered))
        elif question.kind == "ranking":
            result["items"] = _ranking(question, self)
        return result


def _likert(question, counts, answered):
    levels = [counts.get(n, 0) for n in range(1, 6)]
    mean = round(sum(n * count for n, count in enumerate(levels, start=1)) / answered, 2) if answered else None
    return {
        "options": _options(question, {str(n): levels[n - 1] for n in range(1, 6)}, answered),
        "levels": levels,
        "mean": mean,
        "negative": _share(levels[0] + levels[1], answered),
        "neutral": _share(levels[2], answered),
        "positive": _share(levels[3] + levels[4], answered),
    }


def _ranking(question, tally):
    items = []
    for key, label in question.options:
        ranked = tally.ranked.get(key, 0)
        items.append(
            {
                "key": key,
                "label": label,
                "ranked": ranked,
                "average_position": round(tally.position_sums[key] / ranked, 2) if ranked else None,
                "first_place": tally.firsts.get(key, 0),
                "first_place_share": _share(tally.firsts.get(key, 0), tally.answered),
            }
        )
    # Best first; items nobody ranked go last, in the editor's order.
    return sorted(items, key=lambda item: (item["average_position"] is None, item["average_position"] or 0))


def compute(host, subject=None):
    """{"total": responses, "organisations": responses on behalf of an organisation,
    "questions": [per-question result]} in one query."""
    questions = hosts.for_object(host).questions(host)
    tallies = [_Tally(question) for question in questions]
    total = organisations = 0
    for answers, organisation_id in _responses(host, subject).values_list("answers", "organisation_id"):
        total += 1
        if organisation_id is not None:
            organisations += 1
        if not isinstance(answers, dict):
            continue
        for tally in tallies:
            value = answers.get(tally.question.id)
            if value is not None:
                tally.add(value)
    return {"total": total, "organisations": organisations, "questions": [tally.result() for tally in tallies]}


def free_texts(user, host, subject=None):
    """{question id: [{"text", "organisation"}]} for every free-text question, oldest first, with the
    organisation's name for answers given on behalf of one (individuals stay anonymous). Only for
    users the host lets see them; one query."""
    if not hosts.for_object(host).can_view_free_text(user, host):
        raise PermissionDenied
    return collect_free_texts(host, subject)


def collect_free_texts(host, subject=None):
    """`free_texts` for a caller that has already checked the permission."""
    registration = hosts.for_object(host)
    ids = [question.id for question in registration.questions(host) if question.kind == "free_text"]
    texts = {question_id: [] for question_id in ids}
    if not ids:
        return texts
    rows = _responses(host, subject).order_by("created_at", "pk").values_list("answers", "organisation__name")
    for answers, organisation in rows:
        if not isinstance(answers, dict):
            continue
        for question_id in ids:
            text = answers.get(question_id)
            if isinstance(text, str) and text:
                texts[question_id].append({"text": text, "organisation": organisation or ""})
    return texts


# CSV -------------------------------------------------------------------------------------------


def _heading(question):
    return f"{question.number}. {question.text}"


def _cell(question, value):
    """One answer as text for a spreadsheet, with option labels rather than keys."""
    if value is None:
        return ""
    if question.kind == "single_choice":
        return question.label_of(str(value))
    if question.kind == "likert":
        return f"{value} – {question.label_of(str(value))}"
    if question.kind == "multiple_choice":
        return "; ".join(question.label_of(key) for key in value if question.label_of(key))
    if question.kind == "ranking":
        labels = [question.label_of(key) for key in value if question.label_of(key)]
        return "; ".join(f"{position}. {label}" for position, label in enumerate(labels, start=1))
    return str(value)


def response_rows(host, subject=None):
    """Header and one row per response: the date, the organisation when answered on behalf of one,
    and one column per question. Who answered is never included."""
    questions = hosts.for_object(host).questions(host)
    yield [_("Response"), _("Date"), _("On behalf of"), *(_heading(question) for question in questions)]
    rows = (
        _responses(host, subject)
        .order_by("created_at", "pk")
        .values_list("answers", "organisation__name", "created_at")
        .iterator(chunk_size=2000)
    )
    for number, (answers, organisation, created_at) in enumerate(rows, start=1):
        answers = answers if isinstance(answers, dict) else {}
        yield [
            number,
            created_at.date().isoformat(),
            organisation or "",
            *(_cell(question, answers.get(question.id)) for question in questions),
        ]


def result_rows(results):
    """Header and the aggregated results of `compute`, one row per option, level or item."""
    yield [
        _("Question"),
        _("Type"),
        _("Answer"),
        _("Count"),
        _("Share (%)"),
        _("Mean or average position"),
        _("Ranked first"),
    ]
    for result in results["questions"]:
        question = result["question"]
        start = [_heading(question), KIND_LABELS[question.kind]()]
        if question.kind == "free_text":
            yield [*start, _("Written answers"), result["answered"], "", "", ""]
        elif question.kind == "ranking":
            for item in result["items"]:
                yield [
                    *start,
                    item["label"],
                    item["ranked"],
                    "",
                    _blank_none(item["average_position"]),
                    item["first_place"],
                ]
        else:
            for option in result["options"]:
                yield [*start, option["label"], option["count"], option["share"], "", ""]
            if question.kind == "likert":
                yield [*start, _("Mean"), result["answered"], "", _blank_none(result["mean"]), ""]


def _blank_none(value):
    return "" if value is None else value


def write_csv(rows, out):
    """Rows into `out` (a file or an HttpResponse), every cell safe to open in a spreadsheet."""
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
