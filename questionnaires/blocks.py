"""Question blocks that editors put together in Wagtail: ``StreamField(QuestionnaireBlock(), blank=True)``
on any page or model makes it a questionnaire host (see hosts.py).

Answers are keyed by the StreamField block id and, for choices and ranking items, by the list item id
(Wagtail keeps both stable across edits), so fixing a typo or re-ordering options keeps the answers
already given. `question_from_child` turns one stream child into a plain `Question` that the parser,
the results and the templates read; nothing outside this module looks at block internals.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.list_block import ListBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError

QUESTION_MAX_LENGTH = 500
OPTION_MAX_LENGTH = 200
MAX_OPTIONS = 12
MAX_RANKING_ITEMS = 10
TEXT_LIMIT_MAX = 5000
TEXT_LIMIT_DEFAULT = 1000
LIKERT_DEFAULT_LABELS = (
    _("Strongly disagree"),
    _("Disagree"),
    _("Neither agree nor disagree"),
    _("Agree"),
    _("Strongly agree"),
)


@dataclass(frozen=True)
class Question:
    """One question as the respondent sees it, independent of Wagtail's block classes."""

    id: str
    kind: str  # single_choice, multiple_choice, likert, free_text, ranking
    text: str
    help_text: str = ""
    required: bool = False
    # (key, label) pairs: choice options, ranking items, or the Likert levels "1".."5".
    options: tuple = ()
    max_selections: int | None = None
    max_length: int | None = None
    number: int = 0

    @property
    def option_keys(self):
        return [key for key, _label in self.options]

    def label_of(self, key):
        return dict(self.options).get(key, "")


class QuestionBlock(blocks.StructBlock):
    """Fields every question has; subclasses add their own configuration."""

    question = blocks.CharBlock(label=_("Question"), max_length=QUESTION_MAX_LENGTH)
    help_text = blocks.CharBlock(
        label=_("Help text"),
        required=False,
        max_length=QUESTION_MAX_LENGTH,
        help_text=_("Shown under the question, e.g. what is meant by a term."),
    )
    required = blocks.BooleanBlock(label=_("Answer required"), required=False, default=True)

    kind = ""

    class Meta:
        icon = "help"

    def options_of(self, value):
        return ()

    def extra_of(self, value):
        return {}


def _option_pairs(list_value):
    """(key, label) per list item: the item's stored id, or its position for lists saved without ids
    (data written by hand in the old ListBlock format)."""
    pairs = []
    for index, child in enumerate(list_value.bound_blocks):
        pairs.append((child.original_id or str(index), str(child.value)))
    return tuple(pairs)


def _duplicate_errors(list_value):
    """ListBlock errors pointing at every option that repeats an earlier one (ignoring case and spaces)."""
    seen, errors = set(), {}
    for index, text in enumerate(list_value):
        normal = " ".join(str(text).split()).casefold()
        if not normal:
            continue
        if normal in seen:
            errors[index] = ValidationError(_("This option appears twice; each option must be different."))
        seen.add(normal)
    return errors


def _check_items(value, name):
    """Options must differ; their number is the ListBlock's min_num / max_num (checked on publish,
    not on saving a draft)."""
    errors = _duplicate_errors(value.get(name) or [])
    if errors:
        raise StructBlockValidationError(block_errors={name: ListBlockValidationError(block_errors=errors)})


def _options_block(label, maximum):
    return blocks.ListBlock(
        blocks.CharBlock(label=_("Option"), max_length=OPTION_MAX_LENGTH),
        label=label,
        min_num=2,
        max_num=maximum,
    )


class SingleChoiceBlock(QuestionBlock):
    options = _options_block(_("Options"), MAX_OPTIONS)
    kind = "single_choice"

    class Meta:
        icon = "radio-full"
        label = _("Single choice")

    def clean(self, value):
        value = super().clean(value)
        _check_items(value, "options")
        return value

    def options_of(self, value):
        return _option_pairs(value["options"])


class MultipleChoiceBlock(QuestionBlock):
    options = _options_block(_("Options"), MAX_OPTIONS)
    max_selections = blocks.IntegerBlock(
        label=_("Maximum number of selections"),
        required=False,
        min_value=1,
        max_value=MAX_OPTIONS,
        help_text=_("Leave empty to allow any number."),
    )
    kind = "multiple_choice"

    class Meta:
        icon = "tick-inverse"
        label = _("Multiple choice")

    def clean(self, value):
        value = super().clean(value)
        _check_items(value, "options")
        limit = value.get("max_selections")
        if limit is not None and limit > len(value["options"]):
            raise StructBlockValidationError(
                block_errors={
                    "max_selections": ValidationError(
                        _("The maximum cannot be larger than the number of options (%(count)s).")
                        % {"count": len(value["options"])}
                    )
                }
            )
        return value

    def options_of(self, value):
        return _option_pairs(value["options"])

    def extra_of(self, value):
        return {"max_selections": value.get("max_selections")}


class LikertBlock(QuestionBlock):
    label_1 = blocks.CharBlock(label=_("Label for 1"), max_length=80, default=LIKERT_DEFAULT_LABELS[0])
    label_2 = blocks.CharBlock(label=_("Label for 2"), max_length=80, default=LIKERT_DEFAULT_LABELS[1])
    label_3 = blocks.CharBlock(label=_("Label for 3"), max_length=80, default=LIKERT_DEFAULT_LABELS[2])
    label_4 = blocks.CharBlock(label=_("Label for 4"), max_length=80, default=LIKERT_DEFAULT_LABELS[3])
    label_5 = blocks.CharBlock(label=_("Label for 5"), max_length=80, default=LIKERT_DEFAULT_LABELS[4])
    kind = "likert"

    class Meta:
        icon = "order"
        label = _("Agreement scale (1–5)")
        help_text = _("A statement people rate from 1 to 5.")

    def clean(self, value):
        value = super().clean(value)
        labels = [" ".join(str(value.get(f"label_{n}") or "").split()).casefold() for n in range(1, 6)]
        for n in range(2, 6):
            if labels[n - 1] and labels[n - 1] in labels[: n - 1]:
                raise StructBlockValidationError(
                    block_errors={f"label_{n}": ValidationError(_("Each point of the scale needs its own label."))}
                )
        return value

    def options_of(self, value):
        return tuple((str(n), str(value.get(f"label_{n}") or LIKERT_DEFAULT_LABELS[n - 1])) for n in range(1, 6))


class FreeTextBlock(QuestionBlock):
    max_length = blocks.IntegerBlock(
        label=_("Maximum length (characters)"),
        min_value=1,
        max_value=TEXT_LIMIT_MAX,
        default=TEXT_LIMIT_DEFAULT,
    )
    kind = "free_text"

    class Meta:
        icon = "pilcrow"
        label = _("Free text")

    def clean(self, value):
        value = super().clean(value)
        limit = value.get("max_length")
        if limit is None or not 1 <= limit <= TEXT_LIMIT_MAX:
            raise StructBlockValidationError(
                block_errors={
                    "max_length": ValidationError(
                        _("Choose a limit from 1 to %(maximum)s characters.") % {"maximum": f"{TEXT_LIMIT_MAX:,}"}
                    )
                }
            )
        return value

    def extra_of(self, value):
        return {"max_length": value.get("max_length") or TEXT_LIMIT_DEFAULT}


class RankingBlock(QuestionBlock):
    items = blocks.ListBlock(
        blocks.CharBlock(label=_("Item"), max_length=OPTION_MAX_LENGTH),
        label=_("Items to rank"),
        min_num=2,
        max_num=MAX_RANKING_ITEMS,
    )
    kind = "ranking"

    class Meta:
        icon = "list-ol"
        label = _("Ranking")
        help_text = _("People put the items in their order of preference.")

    def clean(self, value):
        value = super().clean(value)
        _check_items(value, "items")
        return value

    def options_of(self, value):
        return _option_pairs(value["items"])


class QuestionnaireBlock(blocks.StreamBlock):
    single_choice = SingleChoiceBlock()
    multiple_choice = MultipleChoiceBlock()
    likert = LikertBlock()
    free_text = FreeTextBlock()
    ranking = RankingBlock()

    class Meta:
        max_num = 100


def question_from_child(child, number=0):
    """A `Question` for one child of a QuestionnaireBlock stream; None for a child without an id
    (a stream that was never saved) or of a type this module does not know."""
    block = child.block
    if not child.id or not isinstance(block, QuestionBlock):
        return None
    value = child.value
    extra = block.extra_of(value)
    return Question(
        id=str(child.id),
        kind=block.kind,
        text=str(value.get("question") or ""),
        help_text=str(value.get("help_text") or ""),
        required=bool(value.get("required")),
        options=block.options_of(value),
        max_selections=extra.get("max_selections"),
        max_length=extra.get("max_length"),
        number=number,
    )


def questions_from_stream(stream_value):
    """The questions of a stream value, numbered from 1 in the order the editor set."""
    questions = []
    for child in stream_value or ():
        question = question_from_child(child, number=len(questions) + 1)
        if question is not None:
            questions.append(question)
    return questions
