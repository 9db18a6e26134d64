"""Forms of the consultation level (position papers) and of the NGO pages (self-assessment). They check
shape and length so the person sees a message next to the field; the services check everything again."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meydan.accounts.models import Organisation
from meydan.documents import DocumentRejected, max_document_bytes, validate_pdf

from .models import SUMMARY_MAX_LENGTH, SelfAssessment
from .services.consultation import ASSESSMENT_COMMENT_MAX_LENGTH, PAPER_TITLE_MAX_LENGTH, assessment_years


class PlainTextField(forms.CharField):
    """Browsers count a line break as one character against `maxlength` but send CRLF: normalise
    first, so that a text the browser accepted is not refused here."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


def _pdf_help():
    return gettext("A PDF file of at most %(limit)s, without scripts or embedded files.") % {
        "limit": filesizeformat(max_document_bytes())
    }


class PositionPaperForm(forms.Form):
    # The organisations come from the view (read once for the page); the service checks the choice again.
    organisation = forms.TypedChoiceField(
        label=_("On behalf of"),
        coerce=int,
        error_messages={
            "required": _("Choose the organisation this paper speaks for."),
            "invalid_choice": _("Choose an organisation you administer."),
        },
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=PAPER_TITLE_MAX_LENGTH,
        error_messages={"required": _("Give your position paper a title.")},
    )
    summary = PlainTextField(
        label=_("Summary"),
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": SUMMARY_MAX_LENGTH}),
        help_text=_("Plain text, at most 2,000 characters. It is shown on the consultation page."),
        error_messages={"required": _("Summarise your position in a few sentences.")},
    )
    file = forms.FileField(
        label=_("PDF file"),
        help_text=lazy(_pdf_help, str)(),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={
            "required": _("Choose the PDF file of your position paper."),
            "empty": _("The file is empty."),
        },
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(org.pk, org.name) for org in organisations]

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if file:
            try:
                validate_pdf(file)
            except DocumentRejected as rejected:
                raise forms.ValidationError(rejected.message, code=rejected.code) from None
        return file


class SelfAssessmentForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY).order_by("name"),
        error_messages={
            "required": _("Choose a municipality."),
            "invalid_choice": _("Choose a municipality."),
        },
    )
    year = forms.TypedChoiceField(
        label=_("Year"),
        coerce=int,
        error_messages={"invalid_choice": _("You can assess only this year or last year.")},
    )
    cooperation = forms.TypedChoiceField(
        label=_("How do you cooperate with this municipality?"),
        choices=SelfAssessment.Cooperation.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one of the five levels of cooperation."),
            "invalid_choice": _("Choose one of the five levels of cooperation."),
        },
    )
    comment = PlainTextField(
        label=_("Comment (optional)"),
        required=False,
        max_length=ASSESSMENT_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": ASSESSMENT_COMMENT_MAX_LENGTH}),
        help_text=_(
            "The public sees only the totals per municipality; the municipality's staff also see your "
            "organisation's name and comment."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        years = assessment_years()
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["year"].initial = years[0]
