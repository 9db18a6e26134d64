"""Tests: SQLite by default, Postgres and Redis when DATABASE_URL / REDIS_URL are set (CI sets both)."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES

DEBUG = False
SECRET_KEY = "test-only-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
LOGGING["loggers"]["django"]["level"] = "ERROR"  # noqa: F405
MEDIA_ROOT = BASE_DIR / ".test-media"

# Browser tests run the ASGI server in a subprocess: it must find the same test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("MEYDAN_TEST_DB", str(BASE_DIR / ".test-db.sqlite3"))}
else:
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("MEYDAN_TEST_DB", "test_meydan")}

# The ASGI server that browser tests start in a subprocess talks to the test database directly.
if os.environ.get("MEYDAN_TEST_SERVER") == "1":
    DATABASES["default"]["NAME"] = DATABASES["default"]["TEST"]["NAME"]
    MIDDLEWARE = ["tests.server_hooks.FreshContentTypesMiddleware", *MIDDLEWARE]  # noqa: F405
    # Its e-mails land in files that the test reads (the test's locmem outbox is another process).
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ.get("MEYDAN_TEST_MAILDIR", str(BASE_DIR / ".test-mail"))
