"""News for many people at once is listed on the site at once, and its e-mails go out from a queue
(`send_queued_email`, run every minute), not inside the request that caused them."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils.translation import gettext_lazy

from meydan.notifications.models import Notification, QueuedEmail
from meydan.notifications.services import notify, send_queued_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def readers(make_user):
    return [make_user(email=f"reader{n}@example.org") for n in range(5)]


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.MEYDAN_IMMEDIATE_EMAIL_LIMIT = 3


def test_a_few_people_are_mailed_at_once(readers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(readers[:3], title=gettext_lazy("News"), url="/a/")
    assert len(mail.outbox) == 3 and not QueuedEmail.objects.exists()


def test_many_people_are_listed_at_once_and_mailed_from_the_queue_in_order(
    readers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(readers, title=gettext_lazy("Report published"), body="Read it", url="/report/")
    assert mail.outbox == []
    assert Notification.objects.count() == 5 and QueuedEmail.objects.count() == 5
    assert send_queued_email(limit=2) == 2
    assert [m.to[0] for m in mail.outbox] == [readers[0].email, readers[1].email]
    assert mail.outbox[0].subject == "Report published" and mail.outbox[0].body.endswith("/report/")
    assert send_queued_email() == 3
    assert len(mail.outbox) == 5 and not QueuedEmail.objects.exists()
    assert send_queued_email() == 0


def test_the_address_is_read_when_sending_and_deactivated_accounts_get_nothing(readers):
    notify(readers, title=gettext_lazy("News"))
    readers[0].email = "new@example.org"
    readers[0].save(update_fields=["email"])
    readers[1].is_active = False
    readers[1].save(update_fields=["is_active"])
    assert send_queued_email() == 5
    sent = sorted(m.to[0] for m in mail.outbox)
    assert "new@example.org" in sent and readers[1].email not in sent and len(sent) == 4


def test_erasing_a_notification_drops_its_mail(readers):
    notify(readers, title=gettext_lazy("News"))
    Notification.objects.filter(user=readers[2]).delete()
    send_queued_email()
    assert readers[2].email not in [m.to[0] for m in mail.outbox]


def test_the_command_sends_everything_with_all(readers):
    notify(readers, title=gettext_lazy("News"))
    out = io.StringIO()
    call_command("send_queued_email", "--limit", "2", "--all", stdout=out)
    assert "Handled 5 queued e-mail(s); 0 waiting." in out.getvalue()
    assert len(mail.outbox) == 5
