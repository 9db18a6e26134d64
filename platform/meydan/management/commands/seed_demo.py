"""Demo data for `make run`: a municipality with two departments, two NGOs and a user per role.

Idempotent: running it again changes nothing that exists and adds what is missing.
"""

import sys

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail import hooks

from meydan.accounts.models import Membership, Organisation, User
from meydan.site_setup import ensure_home_site

DEMO_PASSWORD = "meydan-demo-2026"  # noqa: S105 - printed on purpose: demo data only

ORGANISATIONS = [
    # slug, name, kind, parent slug, status
    ("meydan-belediyesi", "Meydan Belediyesi", "municipality", None, "verified"),
    ("fen-isleri", "Fen İşleri Müdürlüğü", "department", "meydan-belediyesi", "verified"),
    ("park-ve-bahceler", "Park ve Bahçeler Müdürlüğü", "department", "meydan-belediyesi", "verified"),
    ("yesil-mahalle-dernegi", "Yeşil Mahalle Derneği", "ngo", None, "verified"),
    ("bisiklet-kent-platformu", "Bisiklet Kent Platformu", "ngo", None, "pending"),
]

USERS = [
    # email, display name, superuser, verified resident, (organisation slug, role) or None
    ("admin@meydan.example", "Ayşe Yönetici", True, False, ("meydan-belediyesi", "admin")),
    ("official@meydan.example", "Mehmet Memur", False, False, ("fen-isleri", "official")),
    ("moderator@meydan.example", "Zeynep Moderatör", False, False, ("meydan-belediyesi", "moderator")),
    ("ngo@meydan.example", "Elif Derneği", False, True, ("yesil-mahalle-dernegi", "admin")),
    ("member@meydan.example", "Can Üye", False, True, ("yesil-mahalle-dernegi", "member")),
    ("applicant@meydan.example", "Deniz Bisikletli", False, False, ("bisiklet-kent-platformu", "admin")),
    ("resident@meydan.example", "Selin Sakin", False, True, None),
    ("citizen@meydan.example", "Emre Vatandaş", False, False, None),
]


class Command(BaseCommand):
    help = "Create demo organisations and users (idempotent)."

    def handle(self, *args, **options):
        steps = [("home page", ensure_home_site)]
        steps += [(f"organisation {row[0]}", lambda row=row: self.organisation(*row)) for row in ORGANISATIONS]
        steps += [(f"user {row[0]}", lambda row=row: self.user(*row)) for row in USERS]
        # Apps add their own demo content (a council session, a proposal space...) through this hook.
        for seed in hooks.get_hooks("meydan_seed_demo"):
            app = seed.__module__.split(".")[0]
            steps.append((app, lambda seed=seed: seed(ensure_home_site(), self.municipality())))
        for number, (label, step) in enumerate(steps, start=1):
            with transaction.atomic():
                step()
            self.progress(number, len(steps), label)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Every demo user's password is {DEMO_PASSWORD}"))

    def progress(self, done, total, label):
        width = 30
        filled = width * done // total
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done == total or not sys.stdout.isatty() else "\r"
        self.stdout.write(f"[{bar}] {done}/{total} {label:<45}", ending=end)

    def municipality(self):
        return Organisation.objects.get(slug=ORGANISATIONS[0][0])

    def organisation(self, slug, name, kind, parent_slug, status):
        now = timezone.now()
        Organisation.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "parent": Organisation.objects.get(slug=parent_slug) if parent_slug else None,
                "status": status,
                "decided_at": now if status != "pending" else None,
                "description": f"{name}: demo organisation.",
            },
        )

    def user(self, email, display_name, superuser, verified, membership):
        user = User.objects.filter(email=email).first()
        if user is None:
            now = timezone.now()
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                display_name=display_name,
                preferred_language="tr",
                email_confirmed_at=now,
                is_verified=verified,
                verified_at=now if verified else None,
                is_staff=superuser or membership is not None and membership[1] in ("admin", "official", "moderator"),
                is_superuser=superuser,
            )
        if membership:
            organisation = Organisation.objects.get(slug=membership[0])
            Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": membership[1]})
            if membership[1] == "admin" and organisation.applied_by is None and organisation.kind == "ngo":
                organisation.applied_by = user
                organisation.save(update_fields=["applied_by"])
