"""Tell people what happened: a row in their notification list now, an e-mail after commit."""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone, translation

from .models import Notification


def notify(users, *, title, body="", url="", site_url=None):
    """`title` and `body` are lazy translations (or callables of no argument) rendered in each
    recipient's language."""
    users = [user for user in {user.pk: user for user in users}.values() if user.is_active]
    rows = []
    messages = []
    base = (site_url or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    for user in users:
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            subject, text = str(title), str(body)
        rows.append(Notification(user=user, title=subject[:200], body=text, url=url))
        messages.append((subject, f"{text}\n\n{base}{url}" if url else text, None, [user.email]))
    Notification.objects.bulk_create(rows)
    if messages:
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return rows


def mark_read(user, ids=None):
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def unread_count(user):
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
