from django import forms
from django.utils.translation import gettext_lazy as _

from meydan.images import ImageRejected, validate_and_normalise
from moderation.forms import rule_field

from .models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, Proposal
from .rules import organisations_for


class ProposalForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=TITLE_MAX_LENGTH, help_text=_("Say in one sentence what you propose.")
    )
    body = forms.CharField(
        label=_("Description"),
        max_length=BODY_MAX_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Explain the problem and your idea. You may use simple formatting: paragraphs, bold, italic, lists, links."
        ),
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=400, help_text=_("Separate tags with commas, e.g. park, bicycle.")
    )
    image = forms.ImageField(
        label=_("Image"), required=False, help_text=_("JPEG, PNG or WebP, at most 20 MB. Location data is removed.")
    )
    organisation = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=None, required=False, empty_label=_("Myself")
    )

    def __init__(self, *args, space, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.space = space
        self.fields["category"].queryset = space.categories.all()
        districts = space.district_list()
        if districts:
            self.fields["district"].choices = [("", _("Whole city"))] + [(d, d) for d in districts]
        else:
            del self.fields["district"]
        self.fields["organisation"].queryset = organisations_for(user)
        if not self.fields["organisation"].queryset.exists():
            del self.fields["organisation"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if not image:
            return image
        try:
            return validate_and_normalise(image)
        except ImageRejected as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def clean_tags(self):
        return [tag.strip() for tag in self.cleaned_data.get("tags", "").split(",") if tag.strip()]

    def service_fields(self):
        data = dict(self.cleaned_data)
        data.setdefault("district", "")
        data.setdefault("organisation", None)
        return data


class AnswerForm(forms.Form):
    state = forms.ChoiceField(
        label=_("New state"), choices=[(s, Proposal.State(s).label) for s in Proposal.ANSWER_STATES]
    )
    text = forms.CharField(
        label=_("Official answer"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The author and every supporter will receive this answer."),
    )


class ModerationForm(forms.Form):
    """Hide (with the guideline that was broken) or show again; `hiding` says which."""

    rule = rule_field()
    reason = forms.CharField(
        label=_("Reason (shown to the author)"),
        max_length=300,  # what the moderation log stores
        error_messages={
            "required": _("Give a reason; the author will see it."),
            "max_length": _("The reason may have at most %(limit_value)d characters."),
        },
    )

    def __init__(self, *args, hiding=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not hiding:
            del self.fields["rule"]  # showing again cites no guideline


class MergeForm(forms.Form):
    target = forms.IntegerField(label=_("Merge into proposal number"), min_value=1)
    reason = forms.CharField(
        label=_("Reason (both authors will read it)"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
