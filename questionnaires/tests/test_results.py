"""Results: the figures, who sees the written answers, the CSV files and the cost of computing them."""

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from questionnaires import results
from questionnaires.models import Response
from questionnaires.services import submit_response

from .conftest import full_answers


def store(host, answers, respondent=None, organisation=None, subject=""):
    return Response.objects.create(
        content_type=ContentType.objects.get_for_model(host),
        object_id=host.pk,
        respondent=respondent,
        organisation=organisation,
        answers=answers,
        subject=subject,
    )


def by_question(computed):
    return {result["question"].id: result for result in computed["questions"]}


@pytest.fixture
def answered(host, ngo):
    store(host, {"single": "o1", "multi": ["m1", "m2"], "likert": 5, "text": "More trees", "rank": ["r1", "r2", "r3"]})
    store(host, {"single": "o1", "multi": ["m1"], "likert": 4, "rank": ["r2", "r1", "r3"]}, organisation=ngo)
    store(host, {"single": "o2", "likert": 1, "text": "=cmd|' /C calc'!A0", "rank": ["r1", "r3", "r2"]})
    store(host, {"single": "o3", "likert": 3})
    # An answer to an option the editor has since removed, and a value of the wrong shape.
    store(host, {"single": "gone", "multi": "m1", "likert": 9})
    return host


def test_choice_counts_and_shares(answered):
    computed = results.compute(answered)
    assert (computed["total"], computed["organisations"]) == (5, 1)
    single = by_question(computed)["single"]
    assert single["answered"] == 4
    assert [(o["label"], o["count"], o["share"]) for o in single["options"]] == [
        ("North park", 2, 50.0),
        ("South park", 1, 25.0),
        ("River walk", 1, 25.0),
    ]
    multi = by_question(computed)["multi"]
    assert multi["answered"] == 2
    assert [(o["count"], o["share"]) for o in multi["options"]] == [(2, 100.0), (1, 50.0), (0, 0.0), (0, 0.0)]


def test_likert_distribution_mean_and_diverging_shares(answered):
    likert = by_question(results.compute(answered))["likert"]
    assert likert["levels"] == [1, 0, 1, 1, 1]
    assert likert["mean"] == 3.25
    assert (likert["negative"], likert["neutral"], likert["positive"]) == (25.0, 25.0, 50.0)


def test_ranking_average_positions_and_first_places(answered):
    items = by_question(results.compute(answered))["rank"]["items"]
    assert [(i["label"], i["average_position"], i["first_place"]) for i in items] == [
        ("Safety", 1.33, 2),
        ("Green", 2.0, 1),
        ("Cost", 2.67, 0),
    ]


def test_free_text_is_only_counted_in_the_results(answered):
    text = by_question(results.compute(answered))["text"]
    assert text["answered"] == 2
    assert "texts" not in text


def test_results_of_one_subject(host):
    store(host, {"likert": 5}, subject="case.1")
    store(host, {"likert": 1}, subject="case.2")
    assert by_question(results.compute(host, subject="case.1"))["likert"]["levels"] == [0, 0, 0, 0, 1]
    assert results.compute(host)["total"] == 2


def test_no_responses_gives_zeros_not_errors(host):
    computed = by_question(results.compute(host))
    assert computed["likert"]["mean"] is None
    assert computed["single"]["options"][0]["share"] == 0.0
    assert computed["rank"]["items"][0]["average_position"] is None


def test_written_answers_only_for_those_the_host_allows(answered, alice, official):
    with pytest.raises(PermissionDenied):
        results.free_texts(alice, answered)
    texts = results.free_texts(official, answered)["text"]
    assert [entry["text"] for entry in texts] == ["More trees", "=cmd|' /C calc'!A0"]
    assert all(entry["organisation"] == "" for entry in texts)


def test_written_answers_name_the_organisation_not_the_person(host, alice, ngo, official):
    submit_response(alice, host, full_answers(), organisation=ngo)
    assert results.free_texts(official, host)["text"] == [{"text": "More benches", "organisation": "Yeşil Dernek"}]


def read_csv(rows):
    out = io.StringIO()
    results.write_csv(rows, out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_the_responses_csv_has_one_row_per_response_and_no_personal_data(host, alice, bob, ngo):
    submit_response(alice, host, full_answers(), organisation=ngo)
    submit_response(bob, host, full_answers(**{"q-text": "@SUM(A1:A9)", "q-multi": None}))
    header, first, second = read_csv(results.response_rows(host))
    assert header[:3] == ["Response", "Date", "On behalf of"]
    assert header[3:] == [
        "1. Which park?",
        "2. Which services?",
        "3. The plan is clear.",
        "4. Anything else?",
        "5. Rank the priorities",
    ]
    assert first[2:] == [
        "Yeşil Dernek",
        "North park",
        "Buses; Trams",
        "4 – Agree",
        "More benches",
        "1. Green; 2. Safety; 3. Cost",
    ]
    assert second[2] == "" and second[6] == "'@SUM(A1:A9)"
    flat = " ".join(" ".join(row) for row in (header, first, second))
    for personal in ("alice", "Alice", "Yılmaz", "bob@example.org", "Bob"):
        assert personal not in flat
    assert len(first) == 3 + 5  # number, date, organisation and the answers: no column for the person


def test_the_results_csv_has_a_row_per_option_level_and_item(answered):
    store(answered, {"single": "o1"})
    rows = read_csv(results.result_rows(results.compute(answered)))
    assert rows[0][:4] == ["Question", "Type", "Answer", "Count"]
    assert ["1. Which park?", "Single choice", "North park", "3", "60.0", "", ""] in rows
    assert ["3. The plan is clear.", "Agreement scale (1–5)", "Mean", "4", "", "3.25", ""] in rows
    assert ["5. Rank the priorities", "Ranking", "Safety", "3", "", "1.33", "2"] in rows
    assert ["4. Anything else?", "Free text", "Written answers", "2", "", "", ""] in rows


def test_a_label_starting_with_a_formula_character_is_quoted(host):
    from .conftest import QUESTIONS, option_list

    QUESTIONS[host.pk] = [
        {
            "type": "single_choice",
            "id": "s",
            "value": {"question": '=HYPERLINK("http://evil")', "required": True, "options": option_list("+1", "-1")},
        }
    ]
    store(host, {"s": "o2"})
    rows = read_csv(results.result_rows(results.compute(host)))
    assert rows[1][:3] == ['1. =HYPERLINK("http://evil")', "Single choice", "'+1"]
    header, row = read_csv(results.response_rows(host))
    assert row[3] == "'-1"


def make_many(host, count, users=None):
    content_type = ContentType.objects.get_for_model(host)
    rows = []
    for n in range(count):
        rows.append(
            Response(
                content_type=content_type,
                object_id=host.pk,
                answers={
                    "single": f"o{n % 3 + 1}",
                    "multi": [f"m{n % 4 + 1}", f"m{(n + 1) % 4 + 1}"],
                    "likert": n % 5 + 1,
                    "text": f"answer {n}",
                    "rank": [["r1", "r2", "r3"], ["r2", "r3", "r1"], ["r3", "r1", "r2"]][n % 3],
                },
            )
        )
    Response.objects.bulk_create(rows, batch_size=1000)


def test_computing_results_takes_one_query_however_many_responses(host, django_assert_num_queries):
    make_many(host, 3000)
    ContentType.objects.get_for_model(host)  # the content type cache is warm in a running site
    with django_assert_num_queries(1):
        computed = results.compute(host)
    assert computed["total"] == 3000
    assert by_question(computed)["likert"]["levels"] == [600] * 5
