"""Middleware for the ASGI server that browser tests start (MEYDAN_TEST_SERVER=1), never in production.

Transactional tests flush the database between tests, and post_migrate recreates the content types
under new ids; a server process that outlives a test would keep the old ids in ContentType's cache
and fail with foreign-key errors (search index entries, comments point at content types).
"""

from django.contrib.contenttypes.models import ContentType


class FreshContentTypesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ContentType.objects.clear_cache()
        # Wagtail keeps the site list in the (per-process) cache; the tests recreate sites between runs.
        from wagtail.models import Site

        Site.clear_site_root_paths_cache()
        return self.get_response(request)
