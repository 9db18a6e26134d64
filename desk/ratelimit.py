"""Desk's own limits, counted by the core counter (meydan.ratelimit) per client address: looking up a
request and submitting without an account are what someone without an account can repeat, so the
address is what is counted, signed in or not. Limits: "desk.lookup" and "desk.submit_anonymous" in
MEYDAN_RATE_LIMITS."""

from meydan import ratelimit


def hit(scope, request):
    """Count one attempt; True when it is one too many."""
    try:
        ratelimit.hit(f"desk.{scope}", ratelimit.person_key(None, request.META.get("REMOTE_ADDR", "")))
    except ratelimit.RateLimited:
        return True
    return False
