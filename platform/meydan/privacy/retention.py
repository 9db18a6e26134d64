"""Retention: closed desk requests lose their personal data after MEYDAN_RETENTION_DAYS_CLOSED_REQUESTS,
and requests sent without an account whose confirmation link has expired are deleted (nobody can
confirm them any more, and they were never accepted, so no statistic counts them).

For closed requests, what stays is what the statistics need (type, municipality, topic, department, district, status,
dates, reopen count, ratings). What goes is what identifies or describes the person: the text,
the contact address, the photo, the attachments, the free text of the timeline and of the rating.
The desk app is found through the app registry and skipped when it is not installed.
"""

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

DEFAULT_RETENTION_DAYS = 730
PURGED_EMAIL_DOMAIN = "purged.invalid"
BATCH = 500


def retention_days():
    return int(getattr(settings, "MEYDAN_RETENTION_DAYS_CLOSED_REQUESTS", DEFAULT_RETENTION_DAYS))


def request_model():
    try:
        return apps.get_model("desk", "Request")
    except LookupError:
        return None


def removed_marker():
    # Stored text, so it is written in the site's language rather than the reader's.
    with translation.override(settings.LANGUAGE_CODE):
        return _("[personal data removed]")


def _delete_files_on_commit(files):
    def delete():
        for storage, name in files:
            if name:
                storage.delete(name)

    transaction.on_commit(delete)


def anonymise_requests(queryset):
    """Wipe the personal data of the requests in `queryset` (desk.Request); return how many."""
    Request = queryset.model
    Attachment = apps.get_model("desk", "Attachment")
    TimelineEntry = apps.get_model("desk", "TimelineEntry")
    ids = list(queryset.values_list("pk", flat=True))
    if not ids:
        return 0
    files = _request_files(Request, ids)
    marker = removed_marker()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        Request.objects.filter(pk__in=chunk).update(
            text=marker,
            contact_email=f"nobody@{PURGED_EMAIL_DOMAIN}",
            photo="",
            requester=None,
            publish_consent=False,
            is_public=False,
        )
        Attachment.objects.filter(request_id__in=chunk).delete()
        TimelineEntry.objects.filter(request_id__in=chunk).update(public_text="", internal_note="")
        _wipe_rating_comments(Request, chunk)
    _delete_files_on_commit(files)
    return len(ids)


def _wipe_rating_comments(Request, ids):
    try:
        Satisfaction = apps.get_model("desk", "Satisfaction")
    except LookupError:
        return
    content_type = ContentType.objects.get_for_model(Request)
    Satisfaction.objects.filter(content_type=content_type, object_id__in=ids).update(comment="")


def _request_files(Request, ids):
    Attachment = apps.get_model("desk", "Attachment")
    photo_field = Request._meta.get_field("photo")
    attachment_field = Attachment._meta.get_field("file")
    photos = Request.objects.filter(pk__in=ids).values_list("photo", flat=True)
    attachments = Attachment.objects.filter(request_id__in=ids).values_list("file", flat=True)
    return [(photo_field.storage, name) for name in photos] + [(attachment_field.storage, name) for name in attachments]


def unconfirmed_expired(now=None):
    """Requests still waiting for their sender's confirmation after the link expired."""
    Request = request_model()
    if Request is None:
        return None
    from desk.services import CONFIRM_MAX_AGE

    cutoff = (now or timezone.now()) - timedelta(seconds=CONFIRM_MAX_AGE)
    return Request.objects.filter(status="unconfirmed", created_at__lt=cutoff)


def purge_unconfirmed(now=None, dry_run=False):
    """Delete the unconfirmed requests whose link expired, with their files: the number found."""
    queryset = unconfirmed_expired(now)
    if queryset is None:
        return None
    if dry_run:
        return queryset.count()
    with transaction.atomic():
        ids = list(queryset.select_for_update().values_list("pk", flat=True))
        files = _request_files(queryset.model, ids)
        queryset.model.objects.filter(pk__in=ids).delete()
        _delete_files_on_commit(files)
    return len(ids)


def expired_requests(now=None):
    Request = request_model()
    if Request is None:
        return None
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    return Request.objects.filter(status="closed", closed_at__lt=cutoff).exclude(
        contact_email__endswith="@" + PURGED_EMAIL_DOMAIN
    )


def purge_expired(now=None, dry_run=False):
    """Anonymise closed requests past the retention period: the number found (None without desk)."""
    queryset = expired_requests(now)
    if queryset is None:
        return None
    if dry_run:
        return queryset.count()
    with transaction.atomic():
        return anonymise_requests(queryset.select_for_update())
