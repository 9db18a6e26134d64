from django import forms
from django.utils.translation import gettext_lazy as _

from .guidelines import Rule
from .models import APPEAL_MAX_LENGTH, FLAG_TEXT_MAX_LENGTH, REASON_MAX_LENGTH


class PlainTextField(forms.CharField):
    """Browsers count CRLF as one character against `maxlength`: normalise before the length check."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


def rule_field(label=None, widget=forms.RadioSelect):
    """The community guideline a moderation decision cites; every hide form in the apps uses it."""
    # A drop-down would otherwise preselect the first guideline; radio buttons start with none.
    blank = [("", _("Choose a guideline"))] if widget is forms.Select else []
    return forms.ChoiceField(
        label=label or _("Which guideline does it break?"),
        choices=[*blank, *Rule.choices],
        widget=widget,
        error_messages={
            "required": _("Choose the guideline that was broken."),
            "invalid_choice": _("Choose the guideline that was broken."),
        },
    )


def _reason_field(label, help_text=None):
    return PlainTextField(
        label=label,
        max_length=REASON_MAX_LENGTH,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX_LENGTH}),
        error_messages={"required": _("Give a reason; the author will see it.")},
    )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with it?"),
        choices=Rule.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a reason for the report."),
            "invalid_choice": _("Choose a reason for the report."),
        },
    )
    text = PlainTextField(
        label=_("Details (optional)"),
        max_length=FLAG_TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": FLAG_TEXT_MAX_LENGTH}),
        help_text=_("Only the moderators see your report."),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class HideForm(forms.Form):
    rule = rule_field()
    reason = _reason_field(
        _("Reason (shown to the author)"),
        _("At most 300 characters. The public log shows the guideline, never your reason or the content."),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class RestoreForm(forms.Form):
    reason = _reason_field(_("Why is it visible again? (shown to the author)"))
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class WarnForm(forms.Form):
    rule = rule_field(_("Which guideline was broken?"))
    reason = _reason_field(_("Reason (shown to the person)"))


class SuspendForm(WarnForm):
    days = forms.IntegerField(
        label=_("Suspend for how many days?"),
        min_value=1,
        max_value=365,
        help_text=_("From 1 to 365 days. The person can still read everything."),
        error_messages={
            "required": _("Give the number of days."),
            "invalid": _("Give the number of days."),
            "min_value": _("A suspension lasts at least one day."),
            "max_value": _("A suspension may last at most a year."),
        },
    )


class AppealForm(forms.Form):
    text = PlainTextField(
        label=_("Why should the decision change?"),
        max_length=APPEAL_MAX_LENGTH,
        help_text=_("At most 1,000 characters. A different moderator decides; you can appeal each decision once."),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": APPEAL_MAX_LENGTH}),
        error_messages={"required": _("Explain why the decision should change.")},
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("uphold", _("Uphold the appeal: reverse the decision")),
            ("reject", _("Reject the appeal: the decision stands")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a decision."), "invalid_choice": _("Choose a decision.")},
    )
    reason = _reason_field(_("Reason (shown to the person who appealed)"))
