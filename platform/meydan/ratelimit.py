"""Rate limits for every write: one counter per (scope, person) in the cache.

A scope names one kind of write ("comments.post", "desk.staff", "ws.comment.post"); its limit comes
from ``settings.MEYDAN_RATE_LIMITS`` as "N/window" (e.g. "30/h", "10/15m"; None switches it off), so
operators tune limits without touching code. A person is the signed-in user, otherwise the client
address (REMOTE_ADDR, which the reverse proxy must set; IPv6 by /64, which one subscriber usually holds).

The window starts at a person's first counted write and lasts the configured time (a fixed window per
person, so there is no shared boundary at which everyone's allowance resets). A refused attempt is not
counted: whoever waits the Retry-After time can write again. With Redis as the cache the counters are
shared by every server process.

HTML views use ``@rate_limited("scope")``: only unsafe methods (POST, ...) count, and a refused request
gets the 429 page with a Retry-After header. Websocket actions and other callers use
``hit(scope, key)``, which raises ``RateLimited``.
"""

import contextlib
import ipaddress
import math
import re
import time
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")

# Tests move the clock instead of sleeping.
clock = time.time


class RateLimited(Exception):
    code = "rate_limited"

    def __init__(self, scope, retry_after):
        super().__init__(f"rate limit of {scope} reached; retry after {retry_after} s")
        self.scope = scope
        self.retry_after = retry_after

    @property
    def message(self):
        """Translated in the active language, so read it where the answer is rendered."""
        return _("You have done this too often. Please try again in %(wait)s.") % {"wait": wait_text(self.retry_after)}


def parse(spec):
    """Parse a limit: "30/h" -> (30, 3600); "10/15m" -> (10, 900); None or "off" -> None (no limit)."""
    if spec is None or str(spec).strip().lower() in {"", "off", "none"}:
        return None
    match = _SPEC.match(str(spec))
    if not match:
        raise ImproperlyConfigured(f"A rate limit must look like '30/h' or '10/15m', not {spec!r}.")
    count, multiple, unit = match.groups()
    window = int(multiple or 1) * UNITS[unit]
    if window <= 0:
        raise ImproperlyConfigured(f"A rate limit needs a window longer than zero, not {spec!r}.")
    return int(count), window


def configured(scope):
    """(limit, window seconds) of a scope, or None when it is switched off."""
    limits = getattr(settings, "MEYDAN_RATE_LIMITS", {})
    if scope not in limits:
        raise ImproperlyConfigured(f"MEYDAN_RATE_LIMITS has no entry for the scope {scope!r}.")
    return parse(limits[scope])


def hit(scope, key, limit=None, window=None):
    """Count one write of `key` (see `person_key`) in `scope`; raise RateLimited when it is one too many.

    `limit` and `window` (seconds) override the configured limit of the scope; leave them out to use it."""
    if limit is None or window is None:
        rule = configured(scope)
        if rule is None:
            return
        limit, window = rule
    name = f"ratelimit:{scope}:{key}"
    now = clock()
    if cache.add(name, 1, timeout=window):
        cache.set(f"{name}:start", now, timeout=window)
        if limit < 1:
            _refuse(scope, name, window, now, started=now)
        return
    try:
        count = cache.incr(name)
    except ValueError:  # the window ended between add and incr: this write opens the next one
        cache.set(name, 1, timeout=window)
        cache.set(f"{name}:start", now, timeout=window)
        return
    if count > limit:
        _refuse(scope, name, window, now)


def _refuse(scope, name, window, now, started=None):
    with contextlib.suppress(ValueError):  # the window may have just ended
        cache.decr(name)  # a refused attempt does not use up the allowance
    if started is None:
        started = cache.get(f"{name}:start", now)
    raise RateLimited(scope, retry_after=max(1, math.ceil(started + window - now)))


def client_address(address):
    """The part of an address that identifies one client: IPv4 whole, IPv6 by its /64 network."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def person_key(user, address):
    """Who is counted: the user when signed in (on any device), otherwise the client address."""
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_address(address)}"


def request_key(request):
    return person_key(getattr(request, "user", None), request.META.get("REMOTE_ADDR", ""))


def wait_text(seconds):
    """'14 minutes', '1 hour' in the active language (rounded up to whole minutes)."""
    minutes = max(1, math.ceil(seconds / 60))
    now = timezone.now()
    return timeuntil(now + timedelta(minutes=minutes), now, depth=1)


def too_many_requests(request, refused):
    """The 429 page: what happened, when to try again, and a way back to the page the form was on
    (the browser's back button keeps what was typed; nothing is saved or lost)."""
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    response = render(request, "429.html", {"message": refused.message, "back": back}, status=429)
    response["Retry-After"] = str(refused.retry_after)
    add_never_cache_headers(response)
    return response


def rate_limited(scope):
    """Limit the unsafe requests (POST, ...) of a view; GET and HEAD are never counted.

    The scope must be configured in MEYDAN_RATE_LIMITS (checked when the view is decorated, so a typo
    fails at start-up). The wrapped view carries `rate_limit_scope`, which the URL test reads."""
    configured(scope)

    def decorate(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if request.method not in SAFE_METHODS:
                try:
                    hit(scope, request_key(request))
                except RateLimited as refused:
                    return too_many_requests(request, refused)
            return view(request, *args, **kwargs)

        limited.rate_limit_scope = scope
        return limited

    return decorate
