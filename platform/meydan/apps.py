from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeydanConfig(AppConfig):
    name = "meydan"
    label = "meydan"
    verbose_name = _("Meydan")

    def ready(self):
        from wagtail.signals import page_published, page_unpublished

        # Any page going live or away changes menus, lists and "open now": cached anonymous pages go.
        page_published.connect(_pages_changed, dispatch_uid="meydan_pages_changed_published")
        page_unpublished.connect(_pages_changed, dispatch_uid="meydan_pages_changed_unpublished")


def _pages_changed(sender, **kwargs):
    from django.db import transaction

    from .pagecache import pages_changed

    transaction.on_commit(pages_changed)
