from django import forms
from django.utils.translation import gettext_lazy as _

from .erasure import KEEP_CONTRIBUTIONS, REMOVE_CONTRIBUTIONS


class PasswordField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Your password"),
            strip=False,
            max_length=4096,
            widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            **kwargs,
        )


class ExportForm(forms.Form):
    password = PasswordField(help_text=_("Enter your password again to confirm that it is you."))


class EraseForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("What happens to what you wrote"),
        widget=forms.RadioSelect,
        choices=[
            (KEEP_CONTRIBUTIONS, _("Keep my contributions, shown as written by a former participant")),
            (REMOVE_CONTRIBUTIONS, _("Remove my contributions (comments deleted, texts of proposals wiped)")),
        ],
        error_messages={"required": _("Choose what happens to your contributions.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account cannot be restored."),
        error_messages={"required": _("Tick the box to confirm that you want to erase your account.")},
    )
    password = PasswordField()
