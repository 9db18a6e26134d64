"""Tell people what happened: a row in their notification list now, an e-mail after commit.

Apps may hold a site's e-mails back (crisis mode does): `register_email_hold(check)` with
`check(site) -> bool`. While a check says so, notifications are still listed on the site, but their
e-mails wait as `HeldEmail` rows until `release_held_emails(site)` sends them in the order held.

News for more than MEYDAN_IMMEDIATE_EMAIL_LIMIT people at once (50 by default) is listed at once too,
but its e-mails wait as `QueuedEmail` rows for `send_queued_email()` (the management command of that
name, run every minute): thousands of SMTP deliveries inside a request would outlast its timeout.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.utils import timezone, translation

from .models import HeldEmail, Notification, QueuedEmail

_email_holds = []


def register_email_hold(check):
    if check not in _email_holds:
        _email_holds.append(check)


def _site_for(site_url):
    """The Wagtail site a notification belongs to: the one serving `site_url`, else the current
    request's, else the default site."""
    from wagtail.models import Site

    from meydan.audit import current_request

    if site_url:
        host = urlsplit(site_url).hostname
        site = Site.objects.filter(hostname=host).order_by("-is_default_site").first() if host else None
        if site is not None:
            return site
    request = current_request()
    if request is not None:
        site = Site.find_for_request(request)
        if site is not None:
            return site
    return Site.objects.filter(is_default_site=True).first()


def _held_site(site, site_url):
    if not _email_holds:
        return None
    site = site or _site_for(site_url)
    if site is not None and any(check(site) for check in _email_holds):
        return site
    return None


def notify(users, *, title, body="", url="", site_url=None, site=None):
    """`title` and `body` are lazy translations (or callables of no argument) rendered in each
    recipient's language. `site` (optional) is the Wagtail site the news belongs to; by default the
    one of `site_url` or of the current request."""
    users = [user for user in {user.pk: user for user in users}.values() if user.is_active]
    rows = []
    messages = []
    base = (site_url or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    for user in users:
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            subject, text = str(title), str(body)
        rows.append(Notification(user=user, title=subject[:200], body=text, url=url))
        messages.append((subject, _email_text(text, base, url), None, [user.email]))
    held_site = _held_site(site, site_url) if messages else None
    if held_site is not None:
        _create_with_ids(rows)
        HeldEmail.objects.bulk_create(HeldEmail(notification=row, site=held_site, link_base=base) for row in rows)
    elif len(messages) > immediate_email_limit():
        _create_with_ids(rows)
        site = site or _site_for(site_url)
        QueuedEmail.objects.bulk_create(QueuedEmail(notification=row, site=site, link_base=base) for row in rows)
    else:
        Notification.objects.bulk_create(rows)
        if messages:
            transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return rows


def immediate_email_limit():
    return int(getattr(settings, "MEYDAN_IMMEDIATE_EMAIL_LIMIT", 50))


def _create_with_ids(rows):
    """Save the notifications so that the e-mail rows can point at them."""
    if connection.features.can_return_rows_from_bulk_insert:
        Notification.objects.bulk_create(rows, batch_size=1000)
    else:
        for row in rows:
            row.save()


def _email_text(text, base, url):
    return f"{text}\n\n{base}{url}" if url else text


def held_email_count(site):
    return HeldEmail.objects.filter(site=site).count()


@transaction.atomic
def release_held_emails(site):
    """Send the site's held e-mails, oldest first, after commit; return how many were released."""
    held = list(
        HeldEmail.objects.select_for_update().filter(site=site).select_related("notification__user").order_by("pk")
    )
    messages = [message for item in held if (message := _message(item))]
    HeldEmail.objects.filter(pk__in=[item.pk for item in held]).delete()
    if messages:
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return len(held)


def _message(item):
    notification, user = item.notification, item.notification.user
    if not (user.is_active and user.email):
        return None
    return notification.title, _email_text(notification.body, item.link_base, notification.url), None, [user.email]


def send_queued_email(limit=500):
    """Take up to `limit` queued e-mails, oldest first, and send them; return how many were taken
    (e-mails to deactivated accounts are dropped). Those of a site
    whose mail is held meanwhile (crisis mode) move to the held e-mails, to be released in order
    with the rest. Rows are locked and skipped by a second sender running at the same time."""
    with transaction.atomic():
        items = QueuedEmail.objects.select_related("notification__user", "site").order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            items = items.select_for_update(skip_locked=True, of=("self",))
        items = list(items[:limit])
        held = [item for item in items if item.site_id and _held_site(item.site, None)]
        HeldEmail.objects.bulk_create(
            HeldEmail(notification=item.notification, site=item.site, link_base=item.link_base) for item in held
        )
        QueuedEmail.objects.filter(pk__in=[item.pk for item in items]).delete()
    held_ids = {item.pk for item in held}
    messages = [message for item in items if item.pk not in held_ids and (message := _message(item))]
    # After the rows are gone: a crash in between loses mails rather than sending them twice.
    if messages:
        send_mass_mail(messages, fail_silently=True)
    return len(items)


def mark_read(user, ids=None):
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def unread_count(user):
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
