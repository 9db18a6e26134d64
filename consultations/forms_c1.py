"""Forms of the information, dialogue and partnership levels. They check what a browser can send
wrong (lengths, choices) with translated messages; the services check it all again for other callers."""

from django import forms
from django.utils.translation import gettext_lazy as _

from meydan.accounts.rules import voice_organisations
from moderation.forms import rule_field

from .models import (
    ANSWER_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    REASON_MAX_LENGTH,
    REPRESENTS_MAX_LENGTH,
    STATEMENT_MAX_LENGTH,
)
from .services.information import HIDE_REASON_MAX_LENGTH


def _normalised(value):
    # Browsers send line breaks as CRLF; people count them as one character, as the stored text does.
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


class LimitedText(forms.CharField):
    """Plain text counted after line breaks are normalised, with a message that gives both lengths."""

    def __init__(self, *, limit, rows=4, **kwargs):
        self.limit = limit
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows, "maxlength": limit}))
        super().__init__(strip=False, **kwargs)

    def clean(self, value):
        value = super().clean(_normalised(value) if isinstance(value, str) else value)
        if len(value) > self.limit:
            raise forms.ValidationError(
                _("At most %(limit)s characters, please; this has %(length)s."),
                code="max_length",
                params={"limit": f"{self.limit:,}", "length": f"{len(value):,}"},
            )
        return value


class VoiceField(forms.ModelChoiceField):
    """The choice of voice: the verified organisations the user administers (removed when there are none)."""

    def __init__(self, **kwargs):
        super().__init__(queryset=None, required=False, empty_label=_("Myself"), label=_("On behalf of"), **kwargs)


def _with_voice(form, user):
    organisations = voice_organisations(user)
    if organisations.exists():
        form.fields["organisation"].queryset = organisations
    else:
        del form.fields["organisation"]


def _refuse_foreign_voice(form):
    """Without the field, a posted organisation is refused aloud rather than silently dropped."""
    if "organisation" not in form.fields and form.data.get("organisation"):
        raise forms.ValidationError(
            _("You can speak only for a verified organisation you administer."), code="forbidden_voice"
        )


# Information ---------------------------------------------------------------------------------


class QuestionForm(forms.Form):
    text = LimitedText(
        label=_("Your question"),
        limit=QUESTION_MAX_LENGTH,
        help_text=_("Everyone can read your question and its answer. At most 1,000 characters."),
    )
    organisation = VoiceField(help_text=_("Ask as the official voice of an organisation you administer."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _with_voice(self, user)

    def clean(self):
        _refuse_foreign_voice(self)
        return super().clean()


class AnswerForm(forms.Form):
    text = LimitedText(
        label=_("Public answer"),
        limit=ANSWER_MAX_LENGTH,
        rows=6,
        help_text=_("Published at once under the municipality's name. Corrections are recorded."),
    )


class HideQuestionForm(forms.Form):
    rule = rule_field(widget=forms.Select)
    reason = LimitedText(
        label=_("Reason for hiding (the author sees it)"),
        limit=HIDE_REASON_MAX_LENGTH,
        rows=2,
    )


class ShowQuestionForm(forms.Form):
    reason = LimitedText(
        label=_("Why is it public again? (the author sees it)"),
        limit=HIDE_REASON_MAX_LENGTH,
        rows=2,
    )


# Dialogue ------------------------------------------------------------------------------------


class ApplicationForm(forms.Form):
    statement = LimitedText(
        label=_("Statement of interest"),
        limit=STATEMENT_MAX_LENGTH,
        rows=6,
        help_text=_("Why you want to take part and what you bring to the dialogue. At most 2,000 characters."),
    )
    organisation = VoiceField(help_text=_("Apply as an organisation you administer, or as yourself."))
    represents = LimitedText(
        label=_("Whom the organisation represents"),
        limit=REPRESENTS_MAX_LENGTH,
        rows=3,
        required=False,
        help_text=_("Required when you apply for an organisation: its members, the people it speaks for."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _with_voice(self, user)
        if "organisation" not in self.fields:
            del self.fields["represents"]

    def clean(self):
        _refuse_foreign_voice(self)
        data = super().clean()
        if data.get("organisation") and not data.get("represents") and "represents" not in self.errors:
            self.add_error("represents", _("Say whom the organisation represents."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = LimitedText(
        label=_("Reason (the applicant reads it)"),
        limit=REASON_MAX_LENGTH,
        rows=3,
        required=False,
        help_text=_("Required when you decline."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not data.get("reason") and "reason" not in self.errors:
            self.add_error("reason", _("Give the reason for declining; the applicant will read it."))
        return data
