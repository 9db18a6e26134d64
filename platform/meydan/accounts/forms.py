from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from meydan.images import ImageRejected, validate_and_normalise

from .models import Organisation, User


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"), max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail address and password do not match an account."),
        "unconfirmed": _(
            "Confirm your e-mail address first: follow the link we sent you, or ask for a new one below."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.email_confirmed_at is None:
            raise forms.ValidationError(self.error_messages["unconfirmed"], code="unconfirmed")


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    display_name = forms.CharField(
        label=_("Display name"), max_length=80, min_length=2,
        help_text=_("Shown next to what you write. You may use a nickname."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    password1 = forms.CharField(
        label=_("Password"), strip=False, max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    preferred_language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def clean_display_name(self):
        return " ".join(self.cleaned_data["display_name"].split())

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            candidate = User(email=data.get("email", ""), display_name=data.get("display_name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "preferred_language"]

    def clean_display_name(self):
        name = " ".join(self.cleaned_data["display_name"].split())
        if len(name) < 2:
            raise forms.ValidationError(_("Use at least two characters."))
        return name


class NgoApplicationForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "registration_number", "description", "website", "email", "phone", "address", "logo"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6}), "address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"description": _("What your organisation does and for whom (plain text).")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registration_number"].required = True
        self.fields["description"].required = True

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if len(name) < 3:
            raise forms.ValidationError(_("Give the organisation's full name."))
        if Organisation.objects.filter(name__iexact=name).exclude(status=Organisation.Status.REJECTED).exists():
            raise forms.ValidationError(_("An organisation with this name is already registered."))
        return name

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not logo:
            return logo
        try:
            return validate_and_normalise(logo)
        except ImageRejected as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The applicant receives this text."),
    )
