from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index


def open_now(request, limit=6):
    """What is open for participation right now, gathered from every app.

    Apps register a `meydan_open_now` Wagtail hook: a callable taking (request, limit) and returning
    a list of dicts with `title`, `url`, `kind` and optionally `closes_at`. The core stays unaware of
    the apps, and the home page fills up as apps land.
    """
    items = []
    for provider in hooks.get_hooks("meydan_open_now"):
        items.extend(provider(request, limit))
    items.sort(key=lambda item: (item.get("closes_at") is None, item.get("closes_at") or 0))
    return items[:limit]


class HomePage(Page):
    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = RichTextField(_("body"), blank=True, features=["bold", "italic", "link", "ol", "ul", "h2", "h3"])

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["open_now"] = open_now(request)
        return context
