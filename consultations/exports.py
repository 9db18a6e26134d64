"""Open data of a consultation: its contributions as CSV and JSON.

Nothing identifies an individual: no names, e-mail addresses or user ids, only what they wrote.
Organisations speak in public and are named. Outcomes and reasons appear once the report is
published; until then they are the staff's working notes.
"""

from django.http import JsonResponse
from django.urls import reverse

from meydan.csvexport import csv_response, write_rows

from .models import Phase
from .services.outcomes import contributions

KIND_NAMES = {"comment": "comment", "paper": "position_paper", "theme": "theme"}
HEADER = [
    "kind",
    "paragraph",
    "organisation",
    "title",
    "text",
    "answers",
    "created",
    "outcome",
    "outcome_label",
    "reason",
]


def contribution_records(page):
    """One dict per contribution, the same for both formats."""
    published = page.phase() == Phase.REPORTED
    records = []
    for row in contributions(page):
        outcome = row.outcome if published else None
        records.append(
            {
                "kind": KIND_NAMES[row.kind],
                "paragraph": row.paragraph.number if row.paragraph is not None else None,
                "organisation": row.organisation_name or None,
                "title": row.title or None,
                "text": row.text,
                "answers": row.answer_count,
                "created": row.created_at.isoformat() if row.created_at else None,
                "outcome": outcome.decision if outcome else None,
                "outcome_label": str(outcome.get_decision_display()) if outcome else None,
                "reason": outcome.reason if outcome else None,
            }
        )
    return records


def contributions_csv(page):
    response = csv_response(f"consultation-{page.pk}-contributions.csv")
    rows = (
        [("" if record[name] is None else record[name]) for name in HEADER] for record in contribution_records(page)
    )
    return write_rows(response, HEADER, rows)


def contributions_json(page):
    records = contribution_records(page)
    data = {
        "consultation": {
            "id": page.pk,
            "title": page.title,
            "url": page.url,
            "phase": page.phase(),
            "closes_at": page.closes_at.isoformat(),
            "report_published_at": page.report_published_at.isoformat() if page.report_published_at else None,
            "report": reverse("consultations:report", args=[page.pk]) if page.report_published_at else None,
        },
        "contributions": records,
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'inline; filename="consultation-{page.pk}-contributions.json"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
