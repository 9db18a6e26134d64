"""Suite-wide rules: which real services a test needs, and what happens when one is missing.

Locally a test that needs Postgres, Redis or Chromium is skipped when the service is not configured.
Under CI=true the whole suite must run against Postgres and Redis, and a missing service fails the
test instead of skipping it, so a green CI always means "tested against the real thing".
"""

import os
import shutil

import pytest

ON_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _missing_services():
    from django.conf import settings

    missing = {}
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        missing["postgres"] = "DATABASE_URL does not point at PostgreSQL"
    if not os.environ.get("REDIS_URL"):
        missing["redis"] = "REDIS_URL is not set"
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        missing["browser"] = f"Chromium not found at {CHROMIUM}"
    return missing


def pytest_configure(config):
    if ON_CI:
        missing = _missing_services()
        if missing:
            raise pytest.UsageError("CI=true but services are missing: " + "; ".join(missing.values()))


def pytest_runtest_setup(item):
    missing = _missing_services()
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker) and marker in missing:
            if ON_CI:
                pytest.fail(f"{marker} is required on CI: {missing[marker]}")
            pytest.skip(f"needs {marker}: {missing[marker]}")


PASSWORD = "a-long-enough-passphrase-42"  # noqa: S105 - test accounts only


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def make_user(db):
    """Users with a confirmed e-mail address unless told otherwise."""
    from django.utils import timezone

    from meydan.accounts.models import User

    counter = iter(range(1, 10_000))

    def make(email=None, confirmed=True, **fields):
        email = email or f"user{next(counter)}@example.org"
        fields.setdefault("display_name", email.split("@")[0])
        fields.setdefault("preferred_language", "en")
        return User.objects.create_user(
            email=email, password=PASSWORD, email_confirmed_at=timezone.now() if confirmed else None, **fields
        )

    return make


@pytest.fixture
def make_organisation(db):
    from django.utils import timezone

    from meydan.accounts.models import Membership, Organisation

    counter = iter(range(1, 10_000))

    def make(kind="ngo", status="verified", parent=None, members=(), **fields):
        number = next(counter)
        fields.setdefault("name", f"Organisation {number}")
        fields.setdefault("slug", f"organisation-{number}")
        organisation = Organisation.objects.create(
            kind=kind, status=status, parent=parent,
            decided_at=None if status == "pending" else timezone.now(),
            rejection_reason="Not an association" if status == "rejected" else "",
            **fields,
        )
        for user, role in members:
            Membership.objects.create(user=user, organisation=organisation, role=role)
        return organisation

    return make


@pytest.fixture
def home_site(db):
    from meydan.site_setup import ensure_home_site

    return ensure_home_site()


@pytest.fixture
def client():
    """Django's test client, speaking English unless a test asks for another language (the site's
    default is Turkish)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (theme settings, coalescing windows, viewer counts)."""
    from django.core.cache import cache

    cache.clear()
    yield
