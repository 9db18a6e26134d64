"""Forms of the outcome screens: one outcome, many outcomes at once, themes, publishing the report.
The services check everything again; the forms give field-level messages and keep the input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import REASON_MAX_LENGTH, SUMMARY_MAX_LENGTH, OutcomeDecision
from .services.outcomes import ANSWER_COUNT_MAX, REPORT_INTRO_MAX_LENGTH, THEME_TITLE_MAX_LENGTH


class OutcomeForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Outcome"),
        choices=OutcomeDecision.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one of the outcomes."),
            "invalid_choice": _("Choose one of the outcomes."),
        },
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published in the report next to the contribution."),
        error_messages={"required": _("Give the reason for this outcome; it is published in the report.")},
    )


class ThemeForm(forms.Form):
    title = forms.CharField(label=_("Theme"), max_length=THEME_TITLE_MAX_LENGTH)
    summary = forms.CharField(
        label=_("What respondents said"),
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A fair summary of the answers in this theme; it is published in the report."),
    )
    answer_count = forms.IntegerField(
        label=_("Answers in this theme"), min_value=0, max_value=ANSWER_COUNT_MAX, initial=0
    )


class PublishReportForm(forms.Form):
    intro = forms.CharField(
        label=_("Introduction to the report"),
        required=False,
        max_length=REPORT_INTRO_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happens next with the draft, in a few sentences. Shown above the outcomes."),
    )
