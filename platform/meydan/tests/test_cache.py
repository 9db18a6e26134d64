"""With Redis away, the cache misses and drops writes instead of failing the request."""

import pytest

from meydan.cache import ResilientRedisCache


@pytest.fixture
def unreachable():
    # Nothing listens on port 1: every call fails to connect at once.
    return ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})


def test_reads_miss_and_writes_are_dropped(unreachable, caplog):
    assert unreachable.get("k") is None
    assert unreachable.get("k", "fallback") == "fallback"
    assert unreachable.get_or_set("k", lambda: 42) == 42
    unreachable.set("k", 1)
    assert unreachable.add("k", 1) is True
    assert unreachable.incr("k") == 1
    assert unreachable.delete("k") is False
    assert "cache unavailable" in caplog.text


@pytest.mark.redis
def test_a_working_redis_behaves_as_usual():
    import os

    cache = ResilientRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "meydan-test-cache"})
    cache.set("k", 5, 30)
    assert cache.get("k") == 5
    assert cache.incr("k") == 6
    cache.delete("k")
    assert cache.get("k") is None
