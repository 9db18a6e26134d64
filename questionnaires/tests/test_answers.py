"""Parsing posted answers: everything hostile is refused per question with a message, nothing else."""

import pytest
from django.http import QueryDict

from questionnaires.answers import MAX_VALUES, InvalidAnswers, form_state, parse
from questionnaires.blocks import QuestionnaireBlock, questions_from_stream

from .conftest import STANDARD, full_answers


@pytest.fixture
def questions():
    return questions_from_stream(QuestionnaireBlock().to_python(STANDARD))


def errors_of(questions, data):
    with pytest.raises(InvalidAnswers) as caught:
        parse(questions, data)
    return caught.value.errors


def test_a_complete_answer_is_stored_by_question_and_option_ids(questions):
    assert parse(questions, full_answers()) == {
        "single": "o1",
        "multi": ["m1", "m3"],
        "likert": 4,
        "text": "More benches",
        "rank": ["r2", "r1", "r3"],
    }


def test_a_query_dict_from_a_real_form_post_works(questions):
    post = QueryDict(mutable=True)
    post.update({"q-single": "o2", "q-likert": "1"})
    post.setlist("q-multi", ["m4", "m2"])
    answers = parse(questions, post)
    # Stored in the questionnaire's order, whatever order the browser sent.
    assert answers == {"single": "o2", "likert": 1, "multi": ["m2", "m4"]}


def test_optional_questions_left_empty_are_left_out(questions):
    answers = parse(questions, {"q-single": "o3", "q-likert": "3", "q-text": "   ", "q-multi": []})
    assert answers == {"single": "o3", "likert": 3}


def test_missing_required_answers_are_named_per_question(questions):
    errors = errors_of(questions, {"q-text": "hello"})
    assert set(errors) == {"single", "likert"}
    assert errors["single"] == ["This question needs an answer."]


def test_answers_to_questions_that_do_not_exist_are_refused(questions):
    with pytest.raises(InvalidAnswers) as caught:
        parse(questions, full_answers(**{"q-forged": "1"}))
    assert caught.value.unknown
    assert "not in this questionnaire" in caught.value.errors[""][0]


def test_an_unknown_ranking_item_is_refused(questions):
    with pytest.raises(InvalidAnswers) as caught:
        parse(questions, full_answers(**{"q-rank-r9": "4"}))
    assert caught.value.unknown


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("q-single", "o9", "Choose one of the options shown."),
        ("q-single", ["o1", "o2"], "Choose only one option."),
        ("q-single", "North park", "Choose one of the options shown."),
        ("q-multi", ["m1", "m2", "m3"], "Choose at most 2 options."),
        ("q-multi", ["m1", "m1"], "Each option can be chosen once."),
        ("q-multi", ["m1", "o1"], "Choose among the options shown."),
        ("q-likert", "6", "Choose a point of the scale from 1 to 5."),
        ("q-likert", "0", "Choose a point of the scale from 1 to 5."),
        ("q-likert", "4.0", "Choose a point of the scale from 1 to 5."),
        ("q-likert", ["4", "5"], "Choose only one point of the scale."),
        ("q-text", "x" * 21, "Write at most 20 characters; your text has 21."),
        ("q-text", "nul\x00byte", "The text contains characters that cannot be stored."),
        ("q-text", ["one", "two"], "Send one text per question."),
    ],
)
def test_bad_values_are_refused_with_a_message_for_that_question(questions, name, value, message):
    errors = errors_of(questions, full_answers(**{name: value}))
    assert list(errors) == [name.removeprefix("q-")]
    assert errors[name.removeprefix("q-")] == [message]


def test_the_text_limit_counts_a_line_break_once_as_the_browser_does(questions):
    # 10 + CRLF + 9 characters: 21 bytes as posted, 20 characters as the textarea counted them.
    text = "a" * 10 + "\r\n" + "b" * 9
    assert parse(questions, full_answers(**{"q-text": text}))["text"] == "a" * 10 + "\n" + "b" * 9


@pytest.mark.parametrize(
    "positions",
    [
        ("1", "1", "2"),  # duplicate ranks
        ("1", "2", ""),  # not every item ranked
        ("1", "2", "4"),  # out of range
        ("0", "1", "2"),
        ("-1", "1", "2"),
        ("a", "1", "2"),
        ("1", "2", "999999999999"),
    ],
)
def test_a_ranking_must_be_a_permutation(questions, positions):
    data = full_answers(**{f"q-rank-r{n}": value for n, value in enumerate(positions, start=1)})
    assert errors_of(questions, data) == {"rank": ["Give every item a different position from 1 to 3."]}


def test_an_item_given_two_positions_is_refused(questions):
    errors = errors_of(questions, full_answers(**{"q-rank-r1": ["1", "2"]}))
    assert errors == {"rank": ["Give each item one position."]}


def test_all_problems_are_reported_at_once(questions):
    errors = errors_of(questions, {"q-single": "o9", "q-likert": "9", "q-text": "y" * 50, "q-rank-r1": "1"})
    assert set(errors) == {"single", "likert", "text", "rank"}


def test_a_flood_of_values_is_refused_without_parsing(questions):
    with pytest.raises(InvalidAnswers):
        parse(questions, {"q-multi": ["m1"] * (MAX_VALUES + 1)})


def test_the_form_shows_the_posted_input_again_or_the_stored_answer(questions):
    posted = form_state(questions, data=full_answers(**{"q-text": "typed but too long, still shown"}))
    assert posted["text"] == "typed but too long, still shown"
    assert posted["multi"] == {"m1", "m3"}
    assert posted["rank"] == {"r1": "2", "r2": "1", "r3": "3"}
    stored = form_state(questions, answers=parse(questions, full_answers()))
    assert stored["single"] == {"o1"}
    assert stored["likert"] == {"4"}
    assert stored["rank"] == {"r2": "1", "r1": "2", "r3": "3"}
    assert form_state(questions)["text"] == ""
