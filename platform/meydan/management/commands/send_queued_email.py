from django.core.management.base import BaseCommand

from meydan.notifications.models import QueuedEmail
from meydan.notifications.services import send_queued_email


class Command(BaseCommand):
    help = (
        "Send the e-mails of notifications that went to many people at once (oldest first). "
        "Run it every minute, e.g. from cron; two at once do not send a mail twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many e-mails per batch.")
        parser.add_argument("--all", action="store_true", help="Keep sending batches until the queue is empty.")

    def handle(self, *args, limit=500, all=False, **options):
        taken = send_queued_email(limit=limit)
        total = taken
        while all and taken == limit:
            taken = send_queued_email(limit=limit)
            total += taken
        self.stdout.write(f"Handled {total} queued e-mail(s); {QueuedEmail.objects.count()} waiting.")
