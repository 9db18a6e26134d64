from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.forms import PlainTextField, ReportForm, rule_field

from .models import REASON_MAX_LENGTH, TEXT_MAX_LENGTH, Alignment


class CommentForm(forms.Form):
    text = PlainTextField(
        label=_("Your comment"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_MAX_LENGTH}),
        help_text=_("Plain text, at most 2,000 characters. Links are shown as links."),
        error_messages={"required": _("Write something before sending.")},
    )
    alignment = forms.ChoiceField(
        label=_("Your position"),
        choices=Alignment.choices,
        initial=Alignment.NEUTRAL,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose for, against or neutral.")},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        if organisations:
            # Offered only where the target accepts official responses and the user administers an NGO.
            self.fields["organisation"] = forms.TypedChoiceField(
                label=_("Comment as"),
                choices=[("", _("Myself"))] + [(org.pk, _("Official response of %(name)s") % {"name": org.name})
                                              for org in organisations],
                coerce=int,
                empty_value=None,
                required=False,
                error_messages={"invalid_choice": _("Choose yourself or an organisation you administer.")},
            )


class EditForm(CommentForm):
    parent = None


class FlagForm(ReportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("What is wrong with this comment?")


class HideForm(forms.Form):
    rule = rule_field()
    reason = forms.CharField(
        label=_("Reason (shown to the author)"),
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": _("Give a reason; the author will see it.")},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
