from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MESSAGE_MAX_LENGTH, REASON_MAX_LENGTH


def _reason_field(label):
    return forms.CharField(
        label=label,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit log with your name, the time and your address."),
        error_messages={
            "required": _("Give the reason."),
            "max_length": _("The reason may have at most %(limit_value)d characters."),
        },
    )


class ActivateForm(forms.Form):
    # Which way the person meant to switch: a page opened before someone else switched must not
    # switch back.
    action = forms.CharField(widget=forms.HiddenInput, initial="on")
    message = forms.CharField(
        label=_("Message of the official banner"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown at the top of every page of this site while crisis mode is on."),
        error_messages={
            "required": _("Write the message the banner shows."),
            "max_length": _("The message may have at most %(limit_value)d characters."),
        },
    )
    reason = _reason_field(_("Reason for switching crisis mode on"))
    confirm = forms.BooleanField(
        label=_("I understand that scheduled publications and e-mails stop and every page needs central approval."),
        error_messages={"required": _("Confirm that you want to switch crisis mode on.")},
    )


class DeactivateForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput, initial="off")
    reason = _reason_field(_("Reason for switching crisis mode off"))
    confirm = forms.BooleanField(
        label=_("I understand that paused publications and held e-mails are released now."),
        error_messages={"required": _("Confirm that you want to switch crisis mode off.")},
    )
