"""The crisis banner for every page (a cached read; see services.banner)."""

from wagtail.models import Site

from .services import banner


def crisis(request):
    return {"crisis_banner": banner(Site.find_for_request(request))}
