"""Editors' mistakes in a questionnaire's configuration are caught when the page is saved."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.fields import StreamField

from questionnaires.blocks import (
    FreeTextBlock,
    LikertBlock,
    MultipleChoiceBlock,
    QuestionnaireBlock,
    RankingBlock,
    SingleChoiceBlock,
    questions_from_stream,
)


def struct(block, **value):
    base = {"question": "Question?", "help_text": "", "required": True}
    base.update(value)
    return block.to_python(base)


def messages_of(error):
    """Every message inside a (nested) block validation error, flattened."""
    found = []
    if hasattr(error, "block_errors"):
        for child in error.block_errors.values():
            found += messages_of(child)
        for child in getattr(error, "non_block_errors", []).as_data():
            found += messages_of(child)
        return found
    return [str(message) for message in error.messages]


def clean_errors(block, value):
    with pytest.raises(ValidationError) as caught:
        block.clean(value)
    return caught.value


def test_a_valid_single_choice_passes():
    block = SingleChoiceBlock()
    assert block.clean(struct(block, options=["Yes", "No"]))["options"][1] == "No"


@pytest.mark.parametrize("block_class", [SingleChoiceBlock, MultipleChoiceBlock])
def test_duplicate_options_are_refused_and_the_repeat_is_pointed_at(block_class):
    block = block_class()
    error = clean_errors(block, struct(block, options=["Park", "Road", "  park "]))
    assert error.block_errors["options"].block_errors.keys() == {2}
    assert messages_of(error) == ["This option appears twice; each option must be different."]


def test_too_few_and_too_many_options_are_refused():
    block = SingleChoiceBlock()
    assert "The minimum number of items is 2" in messages_of(clean_errors(block, struct(block, options=["Only"])))
    many = [f"Option {n}" for n in range(13)]
    assert "The maximum number of items is 12" in messages_of(clean_errors(block, struct(block, options=many)))


def test_a_maximum_of_selections_larger_than_the_options_is_refused():
    block = MultipleChoiceBlock()
    error = clean_errors(block, struct(block, options=["A", "B", "C"], max_selections=4))
    assert messages_of(error) == ["The maximum cannot be larger than the number of options (3)."]
    assert block.clean(struct(block, options=["A", "B", "C"], max_selections=3))["max_selections"] == 3


def test_likert_labels_default_to_the_agreement_scale_and_must_differ():
    block = LikertBlock()
    default = block.get_default()
    assert [str(default[f"label_{n}"]) for n in (1, 3, 5)] == [
        "Strongly disagree",
        "Neither agree nor disagree",
        "Strongly agree",
    ]
    labels = {f"label_{n}": f"Level {n}" for n in range(1, 6)}
    labels["label_4"] = "level 2"
    assert messages_of(clean_errors(block, struct(block, **labels))) == ["Each point of the scale needs its own label."]


@pytest.mark.parametrize("limit", [0, 5001, -5])
def test_a_free_text_limit_outside_1_to_5000_is_refused(limit):
    block = FreeTextBlock()
    clean_errors(block, struct(block, max_length=limit))


def test_a_free_text_limit_defaults_to_1000():
    assert FreeTextBlock().get_default()["max_length"] == 1000


def test_a_ranking_takes_2_to_10_distinct_items():
    block = RankingBlock()
    assert len(block.clean(struct(block, items=["A", "B"]))["items"]) == 2
    clean_errors(block, struct(block, items=[f"Item {n}" for n in range(11)]))
    error = clean_errors(block, struct(block, items=["A", "B", "a"]))
    assert messages_of(error) == ["This option appears twice; each option must be different."]


def test_answers_are_keyed_by_ids_that_survive_a_save_and_a_reload():
    field = StreamField(QuestionnaireBlock(), blank=True)
    stream = field.to_python(
        [
            {"type": "single_choice", "value": {"question": "Which?", "required": True, "options": ["A", "B"]}},
        ]
    )
    stored = field.get_prep_value(stream)  # what saving the page writes
    reloaded = questions_from_stream(field.to_python(stored))
    again = questions_from_stream(field.to_python(field.get_prep_value(field.to_python(stored))))
    assert reloaded[0].id and reloaded[0].id == again[0].id
    assert reloaded[0].option_keys == again[0].option_keys
    assert [label for _key, label in reloaded[0].options] == ["A", "B"]


def test_options_stored_without_ids_are_keyed_by_position():
    stream = QuestionnaireBlock().to_python(
        [
            {"type": "ranking", "id": "r", "value": {"question": "Rank", "required": False, "items": ["X", "Y"]}},
        ]
    )
    (question,) = questions_from_stream(stream)
    assert question.option_keys == ["0", "1"]
    assert question.number == 1 and question.kind == "ranking"


def test_questions_are_numbered_in_the_editors_order():
    stream = QuestionnaireBlock().to_python(
        [
            {"type": "free_text", "id": "a", "value": {"question": "First", "max_length": 10}},
            {"type": "likert", "id": "b", "value": {"question": "Second"}},
        ]
    )
    questions = questions_from_stream(stream)
    assert [(q.number, q.text, q.kind) for q in questions] == [(1, "First", "free_text"), (2, "Second", "likert")]
    assert questions[0].max_length == 10
    assert questions[1].options[0] == ("1", "Strongly disagree")


def test_the_wagtail_editor_can_be_built_for_the_blocks():
    """The admin packs every block definition for its JavaScript editor (lazy labels included)."""
    from wagtail.admin.telepath import JSContext

    packed = JSContext().pack(QuestionnaireBlock())
    assert packed
