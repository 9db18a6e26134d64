"""Closed desk requests lose their personal data after the retention period; statistics stay."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from meydan.privacy import retention


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEYDAN_PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture
def make_request(make_organisation, make_user):
    from desk.models import Attachment, Request, Satisfaction, TimelineEntry, Topic

    municipality = make_organisation(kind="municipality")
    department = make_organisation(kind="department", parent=municipality)
    topic = Topic.objects.create(municipality=municipality, name="Yol", department=department)
    requester = make_user(email="selin@example.org")

    def make(status="closed", closed_days_ago=800):
        now = timezone.now()
        closed_at = now - timedelta(days=closed_days_ago) if status == "closed" else None
        request = Request.objects.create(
            kind="complaint",
            municipality=municipality,
            topic=topic,
            department=department,
            requester=requester,
            contact_email="selin@example.org",
            text="Evimin önündeki çukur, Moda Cad. 12",
            district="Moda",
            status=status,
            due_at=now,
            closed_at=closed_at,
            answered_at=closed_at,
            photo=SimpleUploadedFile("p.png", b"png-bytes"),
        )
        Attachment.objects.create(
            request=request,
            file=SimpleUploadedFile("a.pdf", b"%PDF"),
            name="a.pdf",
            content_type="application/pdf",
            size=4,
        )
        TimelineEntry.objects.create(
            request=request, kind="answered", public_text="Sayın Selin Hanım, ...", internal_note="Telefonu 0555"
        )
        from django.contrib.contenttypes.models import ContentType

        Satisfaction.objects.create(
            content_type=ContentType.objects.get_for_model(Request),
            object_id=request.pk,
            rating=2,
            comment="Selin: geç kaldınız",
        )
        return request

    return make


def test_old_closed_requests_lose_personal_data_and_keep_statistics(make_request, django_capture_on_commit_callbacks):
    from desk.models import Satisfaction

    old = make_request()
    photo_storage, photo_name = old.photo.storage, old.photo.name
    attachment = old.attachments.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.purge_expired() == 1
    old.refresh_from_db()
    assert "Moda Cad" not in old.text and old.contact_email.endswith(".invalid") and old.requester is None
    assert not old.photo and not old.attachments.exists()
    assert not photo_storage.exists(photo_name) and not attachment.file.storage.exists(attachment.file.name)
    entry = old.timeline.get()
    assert entry.public_text == entry.internal_note == ""
    rating = Satisfaction.objects.get(object_id=old.pk)
    assert (rating.rating, rating.comment) == (2, "")
    assert (old.kind, old.district, old.status, old.topic_id) == ("complaint", "Moda", "closed", old.topic_id)


def test_recent_and_open_requests_are_left_alone(make_request):
    recent, still_open = make_request(closed_days_ago=10), make_request(status="in_review")
    assert retention.purge_expired() == 0
    for request in (recent, still_open):
        text = request.text
        request.refresh_from_db()
        assert request.text == text and request.photo


def test_the_period_comes_from_the_setting(make_request, settings):
    make_request(closed_days_ago=40)
    settings.MEYDAN_RETENTION_DAYS_CLOSED_REQUESTS = 30
    assert retention.purge_expired() == 1


def test_dry_run_counts_and_changes_nothing_and_a_second_run_finds_nothing(make_request):
    old = make_request()
    out = io.StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    assert "1 closed request(s)" in out.getvalue()
    old.refresh_from_db()
    assert "Moda Cad" in old.text
    call_command("purge_expired", stdout=io.StringIO())
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    assert "Anonymised 0" in out.getvalue()


def test_without_the_desk_app_the_command_does_nothing(db, monkeypatch):
    monkeypatch.setattr(retention, "request_model", lambda: None)
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    assert "not installed" in out.getvalue()


def test_requests_never_confirmed_are_deleted_with_their_files_once_the_link_expired(
    make_request, django_capture_on_commit_callbacks
):
    from desk.models import Attachment, Request

    expired = make_request(status="unconfirmed")
    Request.objects.filter(pk=expired.pk).update(created_at=timezone.now() - timedelta(days=4))
    fresh = make_request(status="unconfirmed")
    confirmed = make_request(status="received")
    Request.objects.filter(pk=confirmed.pk).update(created_at=timezone.now() - timedelta(days=40))
    photo = expired.photo
    assert photo.storage.exists(photo.name)
    assert retention.purge_unconfirmed(dry_run=True) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.purge_unconfirmed() == 1
    assert set(Request.objects.values_list("pk", flat=True)) == {fresh.pk, confirmed.pk}
    assert not Attachment.objects.filter(request_id=expired.pk).exists()
    assert not photo.storage.exists(photo.name)


def test_the_command_reports_both_purges(make_request):
    from desk.models import Request

    expired = make_request(status="unconfirmed")
    Request.objects.filter(pk=expired.pk).update(created_at=timezone.now() - timedelta(days=4))
    out = io.StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    assert "1 never confirmed request(s) would be deleted" in out.getvalue()
    assert Request.objects.filter(pk=expired.pk).exists()
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    assert "Deleted 1 never confirmed request(s)" in out.getvalue()
    assert not Request.objects.filter(pk=expired.pk).exists()
