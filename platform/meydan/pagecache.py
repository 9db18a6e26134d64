"""Whole-page cache for anonymous visitors, served before URL routing.

A view opts a response in with `cache_for_anonymous(response, seconds)`; only pages that carry
nothing personal (no CSRF token, no messages, no user) may do so (see docs/decisions/0004). Any
content change calls `pages_changed()`, which moves every cached page out of reach at once.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

VERSION_KEY = "pagecache:version"
SKIPPED_HEADERS = {"set-cookie", "content-length"}


def cache_for_anonymous(response, seconds):
    response.meydan_cache_seconds = seconds
    return response


def pages_changed():
    if not cache.add(VERSION_KEY, 2, None):
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 2, None)


def _eligible(request):
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _key(request):
    version = cache.get_or_set(VERSION_KEY, 1, None)
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:40]
    return f"pagecache:{version}:{request.get_host()}:{get_language()}:{digest}"


class AnonymousPageCacheMiddleware:
    """Sits after LocaleMiddleware (the language is part of the key) and before everything that
    would touch the session or the user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _eligible(request):
            return self.get_response(request)
        key = _key(request)
        stored = cache.get(key)
        if stored is not None:
            return self._rebuild(stored)
        response = self.get_response(request)
        seconds = getattr(response, "meydan_cache_seconds", 0)
        if seconds and response.status_code == 200 and not response.cookies:
            headers = {k: v for k, v in response.items() if k.lower() not in SKIPPED_HEADERS}
            cache.set(key, {"content": response.content, "headers": headers}, seconds)
        return response

    @staticmethod
    def _rebuild(stored):
        response = HttpResponse(stored["content"])
        for name, value in stored["headers"].items():
            response[name] = value
        return response
