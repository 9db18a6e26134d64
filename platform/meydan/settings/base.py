"""Settings shared by every environment. Everything that differs between machines comes from
the environment (see docs/deployment.md for the full list)."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

CORE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = CORE_DIR.parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # daphne first: it makes `runserver` speak ASGI, so websockets work in development.
    "daphne",
    "meydan",
    "meydan.accounts",
    "meydan.notifications",
    "themes",
    "live",
    "proposals",
    "comments",
    "consultations",
    "questionnaires",
    "desk",
    "moderation",
    "crisis",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "channels",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "meydan.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "meydan.pagecache.AnonymousPageCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "meydan.audit.RequestContextMiddleware",
    "meydan.accounts.middleware.PreferredLanguageMiddleware",
    "meydan.middleware.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # axes last, as its documentation asks: it turns lock-outs into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "meydan.urls"
WSGI_APPLICATION = "meydan.wsgi.application"
ASGI_APPLICATION = "meydan.asgi.application"
# The websocket URL patterns are looked up by name so that the core never imports an app.
MEYDAN_WEBSOCKET_URLPATTERNS = "live.routing.websocket_urlpatterns"
# URL prefixes of the apps, included by meydan.urls (the core never imports an app).
MEYDAN_APP_URLS = [
    ("", "themes.urls"),
    ("live/", "live.urls"),
    ("proposals/", "proposals.urls"),
    ("api/", "proposals.api_urls"),
    ("comments/", "comments.urls"),
    ("consultations/", "consultations.urls"),
    ("questionnaires/", "questionnaires.urls"),
    ("desk/", "desk.urls"),
    ("moderation/", "moderation.urls"),
    ("crisis/", "crisis.urls"),
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [CORE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "themes.context_processors.theme",
                "crisis.context_processors.crisis",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every request thread opens its own connection: a pool, not CONN_MAX_AGE
    # (which leaked connections under load; see shared/RECIPES.md).
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DB_POOL_MIN", "2")),
        "max_size": int(os.environ.get("DB_POOL_MAX", "10")),
        "timeout": 30,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the ASGI server's threads share the file without
    # "database is locked" errors during demos.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # redis-py pools fail at once beyond max_connections: size them for connect bursts.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "max_connections": 1000}]},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "meydan.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "meydan",
            "OPTIONS": {"max_connections": 200},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# Throttle logins: 5 failures per e-mail address and IP lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# Rate limits of every write (meydan.ratelimit), per signed-in user or else per client address:
# scope -> "N/window" (s, m, h, d; e.g. "10/15m"), or "off". Operators override single scopes with
# MEYDAN_RATE_LIMITS="comments.post=100/h,desk.lookup=20/15m". The table in docs/security.md lists them.
MEYDAN_RATE_LIMITS = {
    # Forms anyone may send: counted per client address.
    "accounts.login": "60/15m",
    "accounts.sign_up": "20/h",
    "accounts.resend_confirmation": "5/h",
    "accounts.password_reset": "5/h",
    "accounts.password_reset_confirm": "10/h",
    "language": "60/h",
    "desk.submit": "20/h",
    "desk.submit_anonymous": "5/h",
    "desk.lookup": "10/15m",
    # Residents, NGOs and requesters.
    "accounts.profile": "30/h",
    "accounts.password_change": "10/h",
    "accounts.apply": "5/h",
    "notifications.read": "60/h",
    "privacy.export": "10/h",
    "privacy.erase": "10/h",
    "proposals.create": "20/h",
    "proposals.edit": "30/h",
    "proposals.withdraw": "10/h",
    "proposals.support": "60/h",
    "comments.post": "60/h",
    "comments.edit": "30/h",
    "comments.delete": "30/h",
    "comments.like": "120/h",
    "comments.flag": "20/h",
    "live.comment": "120/h",
    "live.poll": "60/h",
    "consultations.ask": "30/h",
    "consultations.paper": "10/h",
    "consultations.apply": "10/h",
    "consultations.self_assessment": "20/h",
    "questionnaires.respond": "30/h",
    "desk.requester": "30/h",
    "satisfaction.rate": "30/h",
    "moderation.appeal": "10/h",
    "moderation.report": "20/h",
    # Staff: generous, they work through queues.
    "proposals.staff": "600/h",
    "consultations.staff": "1000/h",
    "desk.staff": "1000/h",
    "live.console": "1000/h",
    "moderation.staff": "600/h",
    "organisations.review": "300/h",
    "crisis.toggle": "30/h",
    # Websocket actions (docs/protocol.md): each type has its own scope, "ws.action" covers the rest.
    "ws.comment.post": "20/m",
    "ws.poll.answer": "30/m",
    "ws.action": "30/m",
}
for _override in env_list("MEYDAN_RATE_LIMITS"):
    _scope, _sep, _spec = (part.strip() for part in _override.partition("="))
    if _scope not in MEYDAN_RATE_LIMITS or not _sep:
        raise ValueError(f"MEYDAN_RATE_LIMITS: {_override!r} is not 'scope=N/window' for a known scope.")
    MEYDAN_RATE_LIMITS[_scope] = _spec

LANGUAGE_CODE = "tr"
LANGUAGES = [("tr", _("Turkish")), ("en", _("English")), ("fi", _("Finnish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "meydan_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SECURE = False
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Istanbul")
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Request bodies: forms are small; uploads go through FILE_UPLOAD limits and meydan.images.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
MEYDAN_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A whole request may carry an upload plus its form; anything larger is refused with 413.
MEYDAN_MAX_REQUEST_BYTES = 25 * 1024 * 1024
MEYDAN_MAX_IMAGE_PIXELS = 40_000_000
# Closed requests lose their personal data after this many days (`manage.py purge_expired`, daily).
MEYDAN_RETENTION_DAYS_CLOSED_REQUESTS = int(os.environ.get("MEYDAN_RETENTION_DAYS_CLOSED_REQUESTS", "730"))
# News for more people than this at once is e-mailed by `manage.py send_queued_email`, not in the request.
MEYDAN_IMMEDIATE_EMAIL_LIMIT = int(os.environ.get("MEYDAN_IMMEDIATE_EMAIL_LIMIT", "50"))
WAGTAILIMAGES_MAX_UPLOAD_SIZE = MEYDAN_MAX_UPLOAD_BYTES
WAGTAILIMAGES_MAX_IMAGE_PIXELS = MEYDAN_MAX_IMAGE_PIXELS
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "ods", "pdf", "pptx", "rtf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024

WAGTAIL_SITE_NAME = "Meydan"
WAGTAILADMIN_BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILEMBEDS_FINDERS = []  # no oEmbed calls to the outside world; streams come from an allow-list
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Staff reset their password through the site's own, rate-limited form (accounts:password_reset).
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = True

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Meydan <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Content-Security-Policy: no inline script anywhere on public pages. Wagtail's admin ships
# inline scripts of its own, so it is left out until Wagtail supports a strict policy.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'", "https:"],
        "frame-src": ["'self'", "https:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview views opt back in to SAMEORIGIN themselves
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "meydan.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "meydan.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": os.environ.get("LOG_FORMAT", "json"),
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
