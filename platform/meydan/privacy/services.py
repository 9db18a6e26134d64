"""Shared by export and erasure: the refusal error and the password re-entry check."""

from django.core.cache import cache
from django.utils.translation import gettext as _

# Wrong passwords on the privacy forms: a few mistakes are fine, guessing is not.
PASSWORD_ATTEMPTS = 5
PASSWORD_WINDOW = 10 * 60


class PrivacyRefused(Exception):
    """A refused privacy action; `message` is translated and safe to show."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _failures_key(user):
    return f"privacy:password-failures:{user.pk}"


def confirm_password(user, password):
    """Raise unless `user` is logged in and `password` is theirs; count the misses."""
    if not user.is_authenticated:
        raise PrivacyRefused("login_required", _("Log in first."))
    key = _failures_key(user)
    if (cache.get(key) or 0) >= PASSWORD_ATTEMPTS:
        raise PrivacyRefused("rate_limited", _("Too many wrong passwords. Try again in ten minutes."))
    if not password or not user.check_password(password):
        if not cache.add(key, 1, PASSWORD_WINDOW):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, PASSWORD_WINDOW)
        raise PrivacyRefused("wrong_password", _("That is not your password. Nothing was changed."))
    cache.delete(key)
