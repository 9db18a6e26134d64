"""From submitted form data to a clean answers dict, and back to what the form shows.

Form fields (they work without JavaScript):
- ``q-<question id>``: the option key (single choice), each chosen option key (multiple choice,
  repeated), "1".."5" (Likert) or the text (free text);
- ``q-<question id>-<item key>``: the position (1..n) of one ranking item.

Stored answers, keyed by question id: an option key (str), a list of option keys, an int 1..5, a
text, or the list of ranking item keys from first to last. Unanswered optional questions are left out.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

PREFIX = "q-"
# Whatever the questionnaire, a form post never legitimately carries more values than this.
MAX_VALUES = 2000


class InvalidAnswers(Exception):
    """``errors`` maps a question id (or "" for the form as a whole) to a list of translated messages;
    ``unknown`` is True when the data names questions or items that do not exist."""

    def __init__(self, errors, unknown=False):
        super().__init__(errors)
        self.errors = errors
        self.unknown = unknown


def _getlist(data, name):
    if hasattr(data, "getlist"):
        return data.getlist(name)
    value = data.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _keys(data):
    return list(data.keys())


def normalise_text(text):
    """Line breaks as a browser counts them for maxlength (one character each)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _single(question, values):
    if len(values) > 1:
        return None, [_("Choose only one option.")]
    value = values[0] if values else ""
    if value == "":
        return None, []
    if value not in question.option_keys:
        return None, [_("Choose one of the options shown.")]
    return value, []


def _multiple(question, values):
    chosen = [value for value in values if value != ""]
    if any(value not in question.option_keys for value in chosen):
        return None, [_("Choose among the options shown.")]
    if len(set(chosen)) != len(chosen):
        return None, [_("Each option can be chosen once.")]
    if question.max_selections and len(chosen) > question.max_selections:
        message = ngettext(
            "Choose at most %(count)s option.", "Choose at most %(count)s options.", question.max_selections
        ) % {"count": question.max_selections}
        return None, [message]
    # Stored in the questionnaire's order, whatever order the browser sent them in.
    order = question.option_keys
    return (sorted(chosen, key=order.index) or None), []


def _likert(question, values):
    if len(values) > 1:
        return None, [_("Choose only one point of the scale.")]
    value = values[0] if values else ""
    if value == "":
        return None, []
    if value not in ("1", "2", "3", "4", "5"):
        return None, [_("Choose a point of the scale from 1 to 5.")]
    return int(value), []


def _free_text(question, values):
    if len(values) > 1:
        return None, [_("Send one text per question.")]
    text = normalise_text(values[0] if values else "")
    if "\x00" in text:
        return None, [_("The text contains characters that cannot be stored.")]
    limit = question.max_length
    if limit and len(text) > limit:
        return None, [
            _("Write at most %(limit)s characters; your text has %(length)s.")
            % {"limit": f"{limit:,}", "length": f"{len(text):,}"}
        ]
    return (text or None), []


def _ranking(question, data):
    keys = question.option_keys
    count = len(keys)
    positions = {}
    for key in keys:
        values = _getlist(data, f"{PREFIX}{question.id}-{key}")
        if len(values) > 1:
            return None, [_("Give each item one position.")]
        positions[key] = values[0].strip() if values else ""
    given = [value for value in positions.values() if value != ""]
    if not given:
        return None, []
    wrong = _("Give every item a different position from 1 to %(count)s.") % {"count": count}
    if len(given) != count or not all(value.isdigit() and len(value) <= 2 for value in given):
        return None, [wrong]
    numbers = {key: int(value) for key, value in positions.items()}
    if sorted(numbers.values()) != list(range(1, count + 1)):
        return None, [wrong]
    return sorted(keys, key=numbers.get), []


_PARSERS = {
    "single_choice": _single,
    "multiple_choice": _multiple,
    "likert": _likert,
    "free_text": _free_text,
}


def _expected_names(questions):
    names = set()
    for question in questions:
        if question.kind == "ranking":
            names.update(f"{PREFIX}{question.id}-{key}" for key in question.option_keys)
        else:
            names.add(f"{PREFIX}{question.id}")
    return names


def parse(questions, data):
    """The answers dict for `data` (a QueryDict or a dict of strings / lists of strings).

    Raises InvalidAnswers with every problem found, per question, so the form can show them all at once.
    """
    errors = {}
    expected = _expected_names(questions)
    unknown = [name for name in _keys(data) if name.startswith(PREFIX) and name not in expected]
    if unknown:
        errors[""] = [
            _(
                "Your answers include questions that are not in this questionnaire (it may have changed "
                "since you opened it). Check your answers and send them again."
            )
        ]
    if sum(len(_getlist(data, name)) for name in _keys(data) if name.startswith(PREFIX)) > MAX_VALUES:
        raise InvalidAnswers({"": [_("The form sent too many values.")]}, unknown=True)

    answers = {}
    for question in questions:
        if question.kind == "ranking":
            value, problems = _ranking(question, data)
        else:
            values = [str(value) for value in _getlist(data, f"{PREFIX}{question.id}")]
            value, problems = _PARSERS[question.kind](question, values)
        if not problems and value is None and question.required:
            problems = [_("This question needs an answer.")]
        if problems:
            errors[question.id] = problems
        elif value is not None:
            answers[question.id] = value
    if errors:
        raise InvalidAnswers(errors, unknown=bool(unknown))
    return answers


def form_state(questions, *, answers=None, data=None):
    """What each question's inputs show: the submitted `data` after an error, otherwise the stored
    `answers`. Per question id: a set of chosen keys, a text, or {item key: position}."""
    state = {}
    for question in questions:
        if data is not None:
            state[question.id] = _state_from_data(question, data)
        else:
            state[question.id] = _state_from_answer(question, (answers or {}).get(question.id))
    return state


def _state_from_data(question, data):
    if question.kind == "ranking":
        return {key: "".join(_getlist(data, f"{PREFIX}{question.id}-{key}")[:1]) for key in question.option_keys}
    values = [str(value) for value in _getlist(data, f"{PREFIX}{question.id}")]
    if question.kind == "free_text":
        return values[0] if values else ""
    return set(values)


def _state_from_answer(question, answer):
    if answer is None:
        return {} if question.kind == "ranking" else ("" if question.kind == "free_text" else set())
    if question.kind == "ranking":
        return {key: str(position) for position, key in enumerate(answer, start=1)}
    if question.kind == "free_text":
        return str(answer)
    if question.kind == "multiple_choice":
        return {str(value) for value in answer}
    return {str(answer)}
