import pytest
from django.db import transaction

import live
from live.groups import topic_group
from live.models import Event

pytestmark = pytest.mark.django_db


def test_publish_numbers_events_per_topic():
    with transaction.atomic():
        first = live.publish("testopen.1", "comment.new", {"id": 1})
        second = live.publish("testopen.1", "comment.new", {"id": 2})
        other = live.publish("testopen.2", "comment.new", {"id": 3})
    assert (first.sequence, second.sequence, other.sequence) == (1, 2, 1)


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError):
        live.publish("testopen.1", "comment.new", {})


def test_rolled_back_change_leaves_no_event_and_no_gap():
    with pytest.raises(RuntimeError), transaction.atomic():
        live.publish("testopen.1", "comment.new", {"id": 1})
        raise RuntimeError("the change failed")
    with transaction.atomic():
        event = live.publish("testopen.1", "comment.new", {"id": 2})
    assert event.sequence == 1
    assert Event.objects.count() == 1


def test_broadcast_happens_only_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("live.events.broadcast", lambda topic, frame: sent.append((topic, frame)))
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        live.publish("testopen.7", "comment.new", {"text": "merhaba"})
        assert sent == []
    assert len(callbacks) == 1
    topic, frame = sent[0]
    assert topic == "testopen.7"
    assert frame["seq"] == 1 and frame["event"] == "comment.new" and frame["data"] == {"text": "merhaba"}


@pytest.mark.parametrize("topic", ["session.1", "a" * 200, "ü.1", "x y", "../../"])
def test_group_names_are_valid_for_channels(topic):
    import re

    group = topic_group(topic)
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,99}", group)


def test_distinct_topics_get_distinct_groups():
    assert topic_group("a" * 200) != topic_group("a" * 199 + "b")
