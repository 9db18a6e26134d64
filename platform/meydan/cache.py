"""A Redis cache that degrades instead of failing when Redis is away.

Everything Meydan keeps in the cache can be recomputed: cached pages, the crisis banner, suspension
look-ups, navigation flags, rate-limit counters. A Redis restart must therefore not turn every write
into a 500 (the live event log already survives it): reads miss, writes are dropped, rate limits open
for the moment, and each failure is logged once per call so operators see the outage.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


def _degrade(name, fallback):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(ResilientRedisCache, self), name)(*args, **kwargs)
        except UNAVAILABLE:
            logger.warning("cache unavailable: %s skipped", name, exc_info=True)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    method.__name__ = name
    return method


def _default(key, default=None, *args, **kwargs):
    return default


def _computed(key, default, *args, **kwargs):
    return default() if callable(default) else default


class ResilientRedisCache(RedisCache):
    get = _degrade("get", _default)
    get_many = _degrade("get_many", {})
    get_or_set = _degrade("get_or_set", _computed)
    set = _degrade("set", None)
    set_many = _degrade("set_many", [])
    # "Added" when Redis is away: a rate-limit window then starts afresh instead of failing the write.
    add = _degrade("add", True)
    delete = _degrade("delete", False)
    delete_many = _degrade("delete_many", None)
    touch = _degrade("touch", False)
    has_key = _degrade("has_key", False)
    incr = _degrade("incr", 1)
    decr = _degrade("decr", 0)
    clear = _degrade("clear", None)
