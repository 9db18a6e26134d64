"""Open data of a consultation: contributions as CSV and JSON, with no personal data of individuals."""

import csv
import io
import json

import pytest
from django.urls import reverse

from consultations.tests.conftest import ROLES

from .test_outcomes_fixtures import *  # noqa: F403 - fixtures: consultation, official, residents, english
from .test_outcomes_fixtures import add_comment, add_outcome, add_paper, add_theme, login

pytestmark = pytest.mark.django_db
PHASES = ("upcoming", "open", "closed", "reported")
# Exports are public data of a published page: everybody, in every phase.
EXPORT_POLICY = dict.fromkeys(ROLES, (200, 200, 200, 200))


def _csv_rows(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _build(page, people, ngo, residents):
    individual = residents[0]
    c1 = add_comment(page, 1, individual, text="Wider pavements please")
    c2 = add_comment(page, 2, people["ngo_admin"], text="A bike lane", organisation=ngo)
    c3 = add_comment(page, 3, residents[1], text='=HYPERLINK("https://evil.example","click")')
    add_comment(page, 1, residents[2], text="Reply by a third person", parent=c1)
    add_comment(page, 1, residents[2], text="Hidden rudeness", hidden=True, hidden_reason="insult")
    paper = add_paper(page, ngo, people["ngo_admin"], title="Bike plan", summary="Our plan.")
    theme = add_theme(page, title="Night buses", answer_count=57)
    for contribution, decision in ((c1, "adopted"), (c2, "partly"), (c3, "out_of_scope"), (paper, "not_adopted")):
        add_outcome(page, contribution, decision, f"Reason for {decision}")
    add_outcome(page, theme, "adopted", "Two new lines")


@pytest.mark.parametrize(("role", "phase"), [(role, phase) for role in ROLES for phase in PHASES])
def test_permission_grid_export(client, people, consultation, role, phase):
    page = consultation(phase)
    add_comment(page, 1, people["resident"], text="An idea")
    login(client, people[role])
    for name in ("consultations:contributions_csv", "consultations:contributions_json"):
        response = client.get(reverse(name, args=[page.pk]))
        assert response.status_code == EXPORT_POLICY[role][PHASES.index(phase)]
        assert "An idea" in response.content.decode()


def test_csv_has_contributions_outcomes_and_no_personal_data(client, people, consultation, ngo, residents):
    page = consultation("reported")
    _build(page, people, ngo, residents)
    response = client.get(reverse("consultations:contributions_csv", args=[page.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert [(row["kind"], row["paragraph"], row["organisation"], row["outcome"]) for row in rows] == [
        ("comment", "1", "", "adopted"),
        ("comment", "2", "Moda Doğa Derneği", "partly"),
        ("comment", "3", "", "out_of_scope"),
        ("position_paper", "", "Moda Doğa Derneği", "not_adopted"),
        ("theme", "", "", "adopted"),
    ]
    assert rows[0]["text"] == "Wider pavements please" and rows[0]["reason"] == "Reason for adopted"
    assert rows[0]["outcome_label"] == "Adopted" and rows[0]["created"].startswith(str(page.closes_at.year)[:2])
    assert rows[3]["title"] == "Bike plan" and rows[4]["answers"] == "57"
    # Formula-safe: a spreadsheet shows the text rather than running it.
    assert rows[2]["text"].startswith("'=HYPERLINK")
    body = response.content.decode()
    _assert_no_personal_data(body, people, residents)
    assert "Reply by a third person" not in body and "Hidden rudeness" not in body


def test_json_has_the_same_records_and_no_personal_data(client, people, consultation, ngo, residents):
    page = consultation("reported")
    _build(page, people, ngo, residents)
    response = client.get(reverse("consultations:contributions_json", args=[page.pk]))
    data = json.loads(response.content)
    assert data["consultation"]["id"] == page.pk and data["consultation"]["phase"] == "reported"
    assert data["consultation"]["report"] == reverse("consultations:report", args=[page.pk])
    records = data["contributions"]
    assert [record["kind"] for record in records] == ["comment", "comment", "comment", "position_paper", "theme"]
    assert records[1]["organisation"] == "Moda Doğa Derneği" and records[0]["organisation"] is None
    assert records[4]["answers"] == 57 and records[0]["paragraph"] == 1
    assert set(records[0]) == {
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
    }
    _assert_no_personal_data(response.content.decode(), people, residents)


def _assert_no_personal_data(body, people, residents):
    for user in (*residents, people["ngo_admin"]):
        assert user.email not in body
        assert user.display_name not in body
    assert "Ayşe" not in body and "\\u" not in body  # not even escaped


def test_outcomes_are_exported_only_once_the_report_is_public(client, people, consultation, ngo, residents):
    page = consultation("closed")
    _build(page, people, ngo, residents)
    rows = _csv_rows(client.get(reverse("consultations:contributions_csv", args=[page.pk])))
    assert len(rows) == 5
    assert all(row["outcome"] == "" and row["reason"] == "" for row in rows)
    records = json.loads(client.get(reverse("consultations:contributions_json", args=[page.pk])).content)
    assert all(record["outcome"] is None and record["reason"] is None for record in records["contributions"])
    assert "Reason for" not in json.dumps(records)


def test_exports_of_a_page_that_is_not_live_are_404(client, people, consultation):
    page = consultation("open")
    page.unpublish()
    for name in ("consultations:contributions_csv", "consultations:contributions_json"):
        assert client.get(reverse(name, args=[page.pk])).status_code == 404
        assert client.get(reverse(name, args=[10**9])).status_code == 404


def test_export_queries_do_not_grow_with_contributions(
    client, people, consultation, ngo, django_assert_max_num_queries
):
    page = consultation("reported")
    url = reverse("consultations:contributions_csv", args=[page.pk])
    add_outcome(page, add_comment(page, 1, people["resident"]))
    client.get(url)
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    assert len(small.captured_queries) >= 3  # the count is real, not an empty log
    for n in range(40):
        add_outcome(page, add_comment(page, 1 + n % 3, people["resident"], organisation=ngo if n % 3 else None))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(_csv_rows(client.get(url))) == 41
