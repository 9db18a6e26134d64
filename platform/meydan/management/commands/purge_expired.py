from django.core.management.base import BaseCommand

from meydan.privacy import retention


class Command(BaseCommand):
    help = (
        "Remove the personal data of closed desk requests older than MEYDAN_RETENTION_DAYS_CLOSED_REQUESTS "
        "(default 730 days; statistics stay) and delete requests never confirmed by their sender before the "
        "link expired. Run it daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be anonymised.")

    def handle(self, *args, dry_run=False, **options):
        count = retention.purge_expired(dry_run=dry_run)
        days = retention.retention_days()
        if count is None:
            self.stdout.write("The desk app is not installed: nothing to purge.")
            return
        unconfirmed = retention.purge_unconfirmed(dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"{count} closed request(s) older than {days} days would be anonymised.")
            self.stdout.write(f"{unconfirmed} never confirmed request(s) would be deleted.")
        else:
            self.stdout.write(f"Anonymised {count} closed request(s) older than {days} days.")
            self.stdout.write(f"Deleted {unconfirmed} never confirmed request(s).")
