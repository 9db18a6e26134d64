"""High-rate counters: a handful of pushes per second, always ending with the latest value."""

import time

import pytest

from live import coalescing

pytestmark = pytest.mark.django_db(transaction=True)


def test_steady_updates_are_coalesced_and_the_last_value_arrives(monkeypatch):
    pushed = []
    monkeypatch.setattr(coalescing, "send_ephemeral", lambda topic, frame: pushed.append((time.monotonic(), frame)))
    counter = {"value": 0}
    started = time.monotonic()
    # 200 updates, one every 5 ms (about 200/s; longer on a loaded machine, which the bound allows for).
    for _ in range(200):
        counter["value"] += 1
        coalescing.coalesce("testopen.1", "support.count", 7, lambda: counter["value"])
        time.sleep(0.005)
    elapsed = time.monotonic() - started
    time.sleep(coalescing.WINDOW_SECONDS * 3)
    values = [frame["data"] for _at, frame in pushed]
    assert values[-1] == counter["value"] == 200
    assert len(pushed) <= elapsed / coalescing.WINDOW_SECONDS + 2, (len(pushed), elapsed)
    assert len(pushed) < 200 / 4  # coalesced: far fewer pushes than updates
    assert values == sorted(values)


def test_a_single_change_is_pushed_at_once(monkeypatch):
    pushed = []
    monkeypatch.setattr(coalescing, "send_ephemeral", lambda topic, frame: pushed.append(frame))
    coalescing.coalesce("testopen.2", "poll.results", 1, lambda: {"total": 1})
    assert pushed == [{"type": "value", "event": "poll.results", "key": 1, "data": {"total": 1}}]
    time.sleep(coalescing.WINDOW_SECONDS * 2)
    assert len(pushed) == 1
