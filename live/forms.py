from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.forms import rule_field

from .models import COMMENT_MAX_LENGTH


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX_LENGTH}),
        help_text=_("Plain text, at most 1,000 characters. Links are shown as links."),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class CommentSettingsForm(forms.Form):
    comments_open = forms.BooleanField(label=_("Comments open"), required=False)
    slow_mode_seconds = forms.IntegerField(
        label=_("Slow mode (seconds between a person's comments, 0 = off)"), min_value=0, max_value=3600
    )


class PollForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=200)
    option_1 = forms.CharField(label=_("Answer 1"), max_length=100)
    option_2 = forms.CharField(label=_("Answer 2"), max_length=100)
    option_3 = forms.CharField(label=_("Answer 3"), max_length=100, required=False)
    option_4 = forms.CharField(label=_("Answer 4"), max_length=100, required=False)
    option_5 = forms.CharField(label=_("Answer 5"), max_length=100, required=False)
    option_6 = forms.CharField(label=_("Answer 6"), max_length=100, required=False)

    def options(self):
        return [self.cleaned_data[f"option_{n}"] for n in range(1, 7) if self.cleaned_data.get(f"option_{n}")]


class HideForm(forms.Form):
    rule = rule_field(widget=forms.Select)
    reason = forms.CharField(
        label=_("Reason (shown to the author)"),
        max_length=300,
        error_messages={
            "required": _("Give a reason; the author will see it."),
            "max_length": _("The reason may have at most %(limit_value)d characters."),
        },
    )


class BanForm(forms.Form):
    reason = forms.CharField(label=_("Reason (shown to the person)"), max_length=300)
