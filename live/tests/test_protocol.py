"""The websocket protocol of docs/protocol.md, message by message, including every refusal."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

import live
from live import actions, consumers
from live.consumers import LiveConsumer
from live.groups import topic_group

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def connect(user=None):
    ws = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/")
    ws.scope["user"] = user or AnonymousUser()
    connected, _ = await ws.connect()
    assert connected
    return ws


async def send(ws, **message):
    await ws.send_to(text_data=json.dumps(message))


async def receive(ws, timeout=2, values=False):
    """The next frame, skipping coalesced value frames (viewer counts) unless asked for them."""
    while True:
        frame = json.loads(await ws.receive_from(timeout=timeout))
        if values or frame.get("type") != "value":
            return frame


async def nothing_but_values(ws, timeout=0.3):
    while not await ws.receive_nothing(timeout=timeout):
        frame = json.loads(await ws.receive_from())
        if frame.get("type") != "value":
            return False
    return True


@sync_to_async
def publish(topic, n=1, event_type="comment.new"):
    with transaction.atomic():
        return [live.publish(topic, event_type, {"n": i}).sequence for i in range(n)]


async def test_subscribe_replays_the_log_then_streams_live():
    await publish("testopen.1", 3)
    ws = await connect()
    await send(ws, type="subscribe", topic="testopen.1", since=1)
    replay = [await receive(ws), await receive(ws)]
    assert [frame["seq"] for frame in replay] == [2, 3]
    assert replay[0]["event"] == "comment.new" and replay[0]["topic"] == "testopen.1"
    assert await receive(ws) == {"type": "subscribed", "topic": "testopen.1", "seq": 3}
    await publish("testopen.1")
    frame = await receive(ws)
    assert frame["seq"] == 4 and frame["data"] == {"n": 0}
    await ws.disconnect()


async def test_events_of_other_topics_are_not_sent():
    ws = await connect()
    await send(ws, type="subscribe", topic="testopen.1", since=0)
    await receive(ws)
    await publish("testopen.2")
    assert await nothing_but_values(ws)
    await ws.disconnect()


async def test_unsubscribe_stops_the_stream():
    ws = await connect()
    await send(ws, type="subscribe", topic="testopen.1", since=0)
    await receive(ws)
    await send(ws, type="unsubscribe", topic="testopen.1")
    assert (await receive(ws))["type"] == "unsubscribed"
    await publish("testopen.1")
    assert await nothing_but_values(ws)
    await ws.disconnect()


async def test_broadcasts_that_overtake_each_other_arrive_in_order(monkeypatch):
    monkeypatch.setattr("live.events.broadcast", lambda topic, frame: None)
    await publish("testopen.1", 2)
    ws = await connect()
    await send(ws, type="subscribe", topic="testopen.1", since=2)
    assert (await receive(ws))["type"] == "subscribed"
    await publish("testopen.1", 2)  # seq 3 and 4, not broadcast
    layer = get_channel_layer()
    frame4 = {"type": "event", "topic": "testopen.1", "seq": 4, "event": "comment.new", "data": {}}
    await layer.group_send(topic_group("testopen.1"), {"type": "live.event", "frame": frame4})
    assert [(await receive(ws))["seq"], (await receive(ws))["seq"]] == [3, 4]
    await layer.group_send(topic_group("testopen.1"), {"type": "live.event", "frame": frame4})
    assert await nothing_but_values(ws)
    await ws.disconnect()


async def test_too_long_a_gap_gives_a_reset(monkeypatch):
    monkeypatch.setattr(consumers, "REPLAY_LIMIT", 3)
    await publish("testopen.1", 5)
    ws = await connect()
    await send(ws, type="subscribe", topic="testopen.1", since=0)
    assert await receive(ws) == {"type": "reset", "topic": "testopen.1", "seq": 5}
    assert (await receive(ws))["seq"] == 5
    await ws.disconnect()


async def test_heartbeat_reports_the_latest_sequences(monkeypatch):
    monkeypatch.setattr(consumers, "HEARTBEAT_SECONDS", 0.2)
    await publish("testopen.3", 2)
    ws = await connect()
    await send(ws, type="subscribe", topic="testopen.3", since=2)
    await receive(ws)
    assert await receive(ws) == {"type": "ping", "topics": {"testopen.3": 2}}
    await ws.disconnect()


async def test_ping_pong():
    ws = await connect()
    await send(ws, type="ping", ref="abc")
    assert await receive(ws) == {"type": "pong", "ref": "abc"}
    await ws.disconnect()


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"type": "subscribe", "topic": "nosuchkind.1", "since": 0}, "not_found"),
        ({"type": "subscribe", "topic": "testopen.x", "since": 0}, "not_found"),
        ({"type": "subscribe", "topic": "testopen.1", "since": -1}, "bad_request"),
        ({"type": "subscribe", "topic": "testopen.1", "since": "0"}, "bad_request"),
        ({"type": "subscribe", "topic": "testopen.1", "since": True}, "bad_request"),
        ({"type": "subscribe", "topic": ["testopen.1"], "since": 0}, "bad_request"),
        ({"type": "subscribe", "topic": "testprivate.1", "since": 0}, "forbidden"),
        ({"type": "launch.missiles"}, "unknown_type"),
        ({"type": 7}, "unknown_type"),
        ({"topic": "testopen.1"}, "unknown_type"),
    ],
)
async def test_bad_messages_get_an_error_frame_and_the_socket_stays_usable(message, code):
    ws = await connect()
    await send(ws, **message)
    error = await receive(ws)
    assert error["type"] == "error" and error["code"] == code and error["detail"]
    await send(ws, type="ping")
    assert (await receive(ws))["type"] == "pong"
    await ws.disconnect()


async def test_private_topic_is_open_to_its_owner(make_user):
    user = await sync_to_async(make_user)()
    ws = await connect(user)
    await send(ws, type="subscribe", topic=f"testprivate.{user.pk}", since=0)
    assert (await receive(ws))["type"] == "subscribed"
    await send(ws, type="subscribe", topic=f"testprivate.{user.pk + 1}", since=0)
    assert (await receive(ws))["code"] == "forbidden"
    await ws.disconnect()


async def test_subscriptions_per_socket_are_limited(monkeypatch):
    monkeypatch.setattr(consumers, "MAX_SUBSCRIPTIONS", 2)
    ws = await connect()
    for n in (1, 2):
        await send(ws, type="subscribe", topic=f"testopen.{n}", since=0)
        assert (await receive(ws))["type"] == "subscribed"
    await send(ws, type="subscribe", topic="testopen.3", since=0)
    assert (await receive(ws))["code"] == "too_many"
    await ws.disconnect()


async def test_flooding_closes_the_socket_with_4429(monkeypatch):
    monkeypatch.setattr(consumers, "RATE_BURST", 5)
    monkeypatch.setattr(consumers, "RATE_PER_SECOND", 1)
    ws = await connect()
    for _ in range(6):
        await send(ws, type="ping")
    output = [await ws.receive_output(timeout=2) for _ in range(6)]
    assert output[-1] == {"type": "websocket.close", "code": 4429}


@pytest.fixture
def echo_action():
    @actions.action("test.echo", fields={"text": str, "times": int}, optional=("times",))
    def echo(user, data):
        if data["text"] == "refuse":
            raise actions.Refused("closed", "Comments are closed.")
        return {"echo": data["text"] * data.get("times", 1), "anonymous": not user.is_authenticated}

    yield
    actions._actions.pop("test.echo")


@pytest.mark.usefixtures("echo_action")
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"text": "hi", "ref": 1}, {"type": "ok", "ref": 1, "data": {"echo": "hi", "anonymous": True}}),
        ({"text": "hi", "times": 2}, {"type": "ok", "ref": None, "data": {"echo": "hihi", "anonymous": True}}),
        (
            {"text": "refuse", "ref": "r"},
            {"type": "error", "code": "closed", "detail": "Comments are closed.", "ref": "r"},
        ),
    ],
)
async def test_actions_run_and_answer(message, expected):
    ws = await connect()
    await send(ws, type="test.echo", **message)
    assert await receive(ws) == expected
    await ws.disconnect()


@pytest.mark.usefixtures("echo_action")
@pytest.mark.parametrize("message", [{}, {"text": 5}, {"text": "hi", "times": "2"}, {"text": "hi", "times": True}])
async def test_actions_refuse_bad_fields(message):
    ws = await connect()
    await send(ws, type="test.echo", **message)
    frame = await receive(ws)
    assert frame["type"] == "error" and frame["code"] == "bad_request"
    await ws.disconnect()


async def test_viewer_count_follows_subscriptions():
    first, second = await connect(), await connect()
    for ws in (first, second):
        await send(ws, type="subscribe", topic="testopen.9", since=0)
        await receive(ws)
    assert await sync_to_async(consumers.viewers)("testopen.9") == 2
    await first.disconnect()
    await asyncio.sleep(0.05)
    assert await sync_to_async(consumers.viewers)("testopen.9") == 1
    await second.disconnect()


async def test_subscribing_sends_the_current_values_of_the_topic():
    from live import topics

    topics.register("testopen", lambda user, object_id: True, snapshot=lambda object_id: [
        {"event": "support.count", "key": object_id, "data": {"count": 41}}])
    try:
        ws = await connect()
        await send(ws, type="subscribe", topic="testopen.5", since=0)
        assert (await receive(ws))["type"] == "subscribed"
        assert await receive(ws, values=True) == {
            "type": "value", "topic": "testopen.5", "event": "support.count", "key": 5, "data": {"count": 41}}
        await ws.disconnect()
    finally:
        topics._snapshots.pop("testopen", None)


async def test_a_vote_over_the_socket_follows_the_sessions_rule(live_session, moderator, make_user):
    """poll.answer runs the same service as the form: the session's voter rule holds on both paths."""
    from live import services
    from live.models import CouncilSessionPage, PollAnswer

    @sync_to_async
    def prepare():
        CouncilSessionPage.objects.filter(pk=live_session.pk).update(voters="verified")
        poll = services.open_poll(moderator, live_session, "Park?", ["Evet", "Hayır"])
        return poll.pk, poll.options.first().pk, make_user(), make_user(is_verified=True)

    poll, option, citizen, resident = await prepare()
    answers = sync_to_async(lambda: list(PollAnswer.objects.values_list("user_id", flat=True)))
    ws = await connect(citizen)
    await send(ws, type="poll.answer", poll=poll, option=option, ref="v1")
    assert await receive(ws) == {
        "type": "error",
        "code": "not_verified",
        "detail": "Only verified residents may vote in this session.",
        "ref": "v1",
    }
    assert await answers() == []
    await ws.disconnect()
    ws = await connect(resident)
    await send(ws, type="poll.answer", poll=poll, option=option, ref="v2")
    assert (await receive(ws))["type"] == "ok"
    assert await answers() == [resident.pk]
    await ws.disconnect()
