"""The site's theme for every template, cached across requests: it is read on every page and
changes rarely, so it should not cost a query per page."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Site

from .models import ThemeSettings

CACHE_SECONDS = 300


def _key(site_id):
    return f"themes:settings:{site_id}"


def theme(request):
    site = Site.find_for_request(request)
    if site is None:
        return {"theme": ThemeSettings()}
    settings = cache.get(_key(site.pk))
    if settings is None:
        settings = ThemeSettings.for_site(site)
        if settings.logo_id:
            settings.logo  # noqa: B018 - load the image now so that the cached copy carries it
        cache.set(_key(site.pk), settings, CACHE_SECONDS)
    return {"theme": settings}


@receiver([post_save, post_delete], sender=ThemeSettings)
def forget_theme(sender, instance, **kwargs):
    cache.delete(_key(instance.site_id))
