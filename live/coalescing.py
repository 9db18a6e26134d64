"""At most a few updates per second per topic and key, always ending with the latest value.

The first change in a quiet window is pushed at once; later changes inside the window only mark the
key dirty, and one trailing push at the end of the window sends the value as it is then. The window
lives in the cache, so with Redis it holds across processes.
"""

import logging
import threading

from django.core.cache import cache
from django.db import close_old_connections, transaction

from .events import send_ephemeral

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 0.25


def _keys(topic, type, key):
    base = f"live:coalesce:{topic}:{type}:{key}"
    return base + ":window", base + ":dirty"


def _push(topic, type, key, compute):
    send_ephemeral(topic, {"type": "value", "event": type, "key": key, "data": compute()})


def _start_timer(topic, type, key, compute):
    timer = threading.Timer(WINDOW_SECONDS, _trailing, args=(topic, type, key, compute))
    timer.daemon = True
    timer.start()


def _trailing(topic, type, key, compute):
    """End of a window: push the latest value if anything changed in it, and keep the window open for
    one more interval, so that steady load gives one push per interval rather than two."""
    window, dirty = _keys(topic, type, key)
    try:
        if cache.get(dirty):
            cache.delete(dirty)
            cache.set(window, 1, timeout=WINDOW_SECONDS * 8)
            _push(topic, type, key, compute)
            _start_timer(topic, type, key, compute)
            return
        cache.delete(window)
    except Exception:  # a lost trailing update is corrected by the next one; never crash the timer
        logger.exception("coalesced push for %s failed", topic)
        cache.delete(window)
    finally:
        close_old_connections()


def _schedule(topic, type, key, compute):
    window, dirty = _keys(topic, type, key)
    if cache.add(window, 1, timeout=WINDOW_SECONDS * 8):
        _push(topic, type, key, compute)
        _start_timer(topic, type, key, compute)
    else:
        cache.set(dirty, 1, timeout=WINDOW_SECONDS * 8)


def coalesce(topic, type, key, compute):
    """Call after (or inside) the transaction that changed the value; `compute()` reads it afresh."""
    transaction.on_commit(lambda: _schedule(topic, type, key, compute))
