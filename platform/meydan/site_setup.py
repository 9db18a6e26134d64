"""Make sure the site root serves Meydan's HomePage. Used by seed_demo and by tests whose database
flushes rows made by data migrations."""

from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Locale, Page, Site

from .models import HomePage


@transaction.atomic
def ensure_home_site(hostname="localhost", port=80):
    home = HomePage.objects.first()
    if home is None:
        locale, _created = Locale.objects.get_or_create(language_code="tr")
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root", locale=locale)
        # Wagtail's own "Welcome" page occupies the slug "home"; Meydan's home page replaces it.
        for child in root.get_children().exclude(content_type__model="homepage"):
            if child.slug == "home":
                Site.objects.filter(root_page=child).delete()
                child.delete()
        home = root.add_child(
            instance=HomePage(
                title=_("Welcome to Meydan"),
                slug="home",
                intro=_("The public square of our city: propose, discuss and follow what happens to your ideas."),
                locale=locale,
            )
        )
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname=hostname, port=port, root_page=home, is_default_site=True, site_name="Meydan")
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save(update_fields=["root_page"])
    return home
