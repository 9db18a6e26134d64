"""Who may take part in a space: the rule an editor picks per space and action (propose, support,
comment, vote), and the one function that says why a person does not meet it.

Every rule refuses visitors who are not signed in and suspended accounts; they differ in what else
they ask for. `accounts.rules.account_refusal` is the same check at the "confirmed" level, for the
writes that have no rule of their own.
"""

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Eligibility(models.TextChoices):
    ANYONE = "anyone", gettext_lazy("Anyone with an account, even before confirming their e-mail address")
    CONFIRMED = "confirmed", gettext_lazy("Anyone with a confirmed e-mail address")
    VERIFIED = "verified", gettext_lazy("Verified residents only")


def eligibility_refusal(user, rule, *, not_verified_message=None):
    """Why `user` does not meet `rule` (a code and a translated message), or None if they do.

    Checked in this order, so that the message names the first thing the person can do something
    about: ``login_required``, ``unconfirmed`` (unless the rule is "anyone"), ``suspended``,
    ``not_verified`` (for "verified"; `not_verified_message` says what they may not do where).
    An unknown rule is treated as the strictest one: a mistake never opens a space to more people.
    """
    if rule not in Eligibility.values:
        rule = Eligibility.VERIFIED
    if user is None or not user.is_authenticated:
        return "login_required", _("Log in to take part.")
    if rule != Eligibility.ANYONE and user.email_confirmed_at is None:
        return "unconfirmed", _("Confirm your e-mail address to take part.")
    until = suspended_until(user)
    if until is not None:
        return "suspended", _("Your account is suspended until %(date)s: you can read, but not write.") % {
            "date": formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")
        }
    if rule == Eligibility.VERIFIED and not user.is_verified:
        return "not_verified", str(not_verified_message or _("Only verified residents may take part here."))
    return None


def suspended_until(user):
    """The end of the user's active suspension, or None. Asked before every write, so it is read
    from the cache (shared by all processes with Redis); the moderation app owns suspensions and
    clears the entry whenever it suspends someone or lifts a suspension."""
    from django.apps import apps

    if not apps.is_installed("moderation"):
        return None
    from moderation.models import suspended_until as cached_suspension_end

    until = cached_suspension_end(user.pk)
    return until if until is not None and until > timezone.now() else None
