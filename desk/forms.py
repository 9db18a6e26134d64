import re

from django import forms
from django.utils.translation import gettext_lazy as _

from meydan.images import ImageRejected, validate_and_normalise

from .models import (
    ANSWER_MAX_LENGTH,
    CODE_PATTERN,
    NOTE_MAX_LENGTH,
    RATING_COMMENT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Kind,
    Topic,
)
from .satisfaction import RATINGS
from .services import REASON_MAX_LENGTH
from .uploads import MAX_ATTACHMENTS, AttachmentRejected, validate_attachment

CODE_RE = re.compile(CODE_PATTERN)


class TopicChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": _("Choose one of the topics.")}

    def label_from_instance(self, topic):
        return f"{topic.name} ({topic.municipality.name})"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files if item]


class SubmitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Kind.choices, widget=forms.RadioSelect, initial=Kind.REQUEST)
    topic = TopicChoiceField(label=_("Topic"), queryset=Topic.objects.none(), empty_label=_("Choose a topic"))
    text = forms.CharField(
        label=_("Your message"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Describe the matter: where, since when, what you expect. At most 5,000 characters."),
        error_messages={"max_length": _("Your message may have at most %(limit_value)d characters.")},
    )
    district = forms.CharField(label=_("District or neighbourhood"), max_length=80, required=False)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPEG, PNG or WebP. Location data is removed. Only you and the staff handling it see it."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Up to 3 PDF documents or images, at most 10 MB each."),
    )
    publish_consent = forms.BooleanField(
        label=_("If this is a suggestion, the municipality may publish it as a public proposal"),
        required=False,
        help_text=_("Your name is not published with it. Complaints are never published."),
    )
    contact_email = forms.EmailField(
        label=_("Your e-mail address"),
        required=False,
        help_text=_("We send you a link to confirm it, then the tracking code and the answer."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(active=True).select_related("municipality")
        if user.is_authenticated:
            del self.fields["contact_email"]
        else:
            self.fields["contact_email"].required = True

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not photo:
            return None
        try:
            return validate_and_normalise(photo)
        except ImageRejected as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(_("Attach at most %(limit)d files.") % {"limit": MAX_ATTACHMENTS})
        cleaned = []
        for upload in files:
            try:
                cleaned.append(validate_attachment(upload))
            except AttachmentRejected as error:
                raise forms.ValidationError(error.message) from None
        return cleaned

    def service_fields(self):
        data = dict(self.cleaned_data)
        data.setdefault("contact_email", "")
        return data


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"), max_length=40, help_text=_("As in the e-mail we sent you, e.g. MYD-7KQ4-92XH.")
    )
    email = forms.EmailField(label=_("E-mail address"), max_length=254)

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split()).upper()
        if not CODE_RE.match(code):
            raise forms.ValidationError(
                _("A tracking code looks like MYD-7KQ4-92XH: MYD and two groups of four letters and digits."),
                code="format",
            )
        return code


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Answer to the requester"),
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The requester reads this on the timeline and by e-mail."),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Internal note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by staff only."),
    )


class RedirectForm(forms.Form):
    target = forms.ModelChoiceField(label=_("Send to"), queryset=None, empty_label=_("Choose"))
    reason = forms.CharField(
        label=_("Reason (the requester sees it)"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None, required=False, empty_label=_("Nobody"))

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you reopen the request?"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with the answer?"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose a rating from 1 to 5."),
            "required": _("Choose a rating from 1 to 5."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=RATING_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MonthField(forms.CharField):
    """A month as `yyyy-mm` (what <input type="month"> sends); cleans to the month's first day."""

    default_error_messages = {"invalid": _("Give the month as year and month, e.g. 2026-03.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        # No max_length: its validator would run on the cleaned date; parse_month checks the length.
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"type": "month", "placeholder": "2026-03", "size": 8, "maxlength": 7})
        )
        kwargs.setdefault("help_text", _("Year and month, e.g. 2026-03."))
        super().__init__(**kwargs)

    def to_python(self, value):
        from .reports import parse_month

        value = super().to_python(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month


class PeriodForm(forms.Form):
    start = MonthField(label=_("From"))
    end = MonthField(label=_("To"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The first month must not come after the last."), code="order")
        return data


class DashboardForm(PeriodForm):
    department = forms.TypedChoiceField(label=_("Department"), required=False, coerce=int, empty_value=None)

    field_order = ["department", "start", "end"]

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("All departments")), *((d.pk, d.name) for d in departments)]
        self.fields["department"].error_messages["invalid_choice"] = _("Choose one of your departments.")


class OpenDataForm(PeriodForm):
    municipality = forms.ChoiceField(label=_("Municipality"), required=False)

    field_order = ["municipality", "start", "end"]

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [(m.slug, m.name) for m in municipalities]
        self.fields["municipality"].error_messages["invalid_choice"] = _("Choose one of the municipalities.")


class PublishForm(forms.Form):
    space = forms.ModelChoiceField(label=_("Proposal space"), queryset=None, empty_label=_("Choose"))
    title = forms.CharField(
        label=_("Title of the proposal"),
        max_length=150,
        help_text=_("Short and neutral; at most 150 characters."),
    )
    body = forms.CharField(
        label=_("Text of the proposal"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The suggestion as written. Remove anything that could identify its author before publishing."),
    )

    def __init__(self, *args, spaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces
