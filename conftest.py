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
