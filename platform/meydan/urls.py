from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from . import health, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("accounts/", include("meydan.accounts.urls")),
    path("organisations/", include("meydan.accounts.organisation_urls")),
    path("notifications/", include("meydan.notifications.urls")),
    path("search/", views.search, name="search"),
    # The privacy notice at /privacy/, export and erasure under /accounts/privacy/.
    path("", include("meydan.privacy.urls")),
]

# Apps contribute their URLs through a setting, so that the core never imports an app.
for prefix, module in getattr(settings, "MEYDAN_APP_URLS", []):
    urlpatterns.append(path(prefix, include(module)))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns.append(path("", include(wagtail_urls)))

handler404 = "meydan.views.page_not_found"
handler500 = "meydan.views.server_error"
