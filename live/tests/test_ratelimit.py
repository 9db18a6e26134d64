"""Websocket actions are rate limited per person: past the limit an error frame "rate_limited", nothing
changed, and the socket stays open (the flood close comes much later)."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from live import actions
from live.consumers import LiveConsumer
from live.models import LiveComment

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def connect(user=None, language=None):
    ws = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/")
    ws.scope["user"] = user or AnonymousUser()
    ws.scope["cookies"] = {"meydan_language": language} if language else {}
    ws.scope["client"] = ("203.0.113.7", 50000)
    connected, _ = await ws.connect()
    assert connected
    return ws


async def ask(ws, **message):
    await ws.send_to(text_data=json.dumps(message))
    while True:
        frame = json.loads(await ws.receive_from(timeout=2))
        if frame.get("type") != "value":
            return frame


@pytest.fixture
def limits(settings):
    def set_limits(**scopes):
        settings.MEYDAN_RATE_LIMITS = {**settings.MEYDAN_RATE_LIMITS, **scopes}

    return set_limits


@pytest.fixture
def echo_actions():
    """Two action types without a scope of their own: they fall under "ws.action"."""
    for name in ("test.echo", "test.other"):
        actions.action(name, fields={"text": str})(lambda user, data: {"echo": data["text"]})
    yield
    for name in ("test.echo", "test.other"):
        actions._actions.pop(name)


@pytest.mark.usefixtures("echo_actions")
async def test_past_the_limit_an_action_gets_an_error_frame_and_the_socket_stays_open(limits):
    limits(**{"ws.action": "5/m"})
    ws = await connect(language="en")
    answers = [await ask(ws, type="test.echo", text=str(n), ref=n) for n in range(10)]
    assert [a["type"] for a in answers] == ["ok"] * 5 + ["error"] * 5
    refused = answers[5]
    assert refused["code"] == "rate_limited" and refused["ref"] == 5
    assert 0 < refused["retry_after"] <= 60
    assert refused["detail"] == "You have done this too often. Please try again in 1\xa0minute."
    assert await ask(ws, type="ping", ref="still-open") == {"type": "pong", "ref": "still-open"}
    await ws.disconnect()


@pytest.mark.usefixtures("echo_actions")
async def test_each_action_type_has_its_own_allowance(limits):
    limits(**{"ws.action": "1/m"})
    ws = await connect()
    assert (await ask(ws, type="test.echo", text="a"))["type"] == "ok"
    assert (await ask(ws, type="test.other", text="b"))["type"] == "ok"
    assert (await ask(ws, type="test.echo", text="c"))["code"] == "rate_limited"
    await ws.disconnect()


@pytest.mark.usefixtures("echo_actions")
async def test_a_new_socket_does_not_reset_a_persons_allowance(limits, make_user):
    limits(**{"ws.action": "1/m"})
    user = await sync_to_async(make_user)()
    first = await connect(user)
    assert (await ask(first, type="test.echo", text="a"))["type"] == "ok"
    second = await connect(user)
    assert (await ask(second, type="test.echo", text="b"))["code"] == "rate_limited"
    someone_else = await connect(await sync_to_async(make_user)())
    assert (await ask(someone_else, type="test.echo", text="c"))["type"] == "ok"
    for ws in (first, second, someone_else):
        await ws.disconnect()


@pytest.mark.usefixtures("echo_actions")
async def test_the_error_is_in_the_persons_language(limits, make_user):
    limits(**{"ws.action": "0/m"})
    user = await sync_to_async(make_user)(preferred_language="tr")
    ws = await connect(user)
    refused = await ask(ws, type="test.echo", text="a")
    assert refused["code"] == "rate_limited" and "dakika" in refused["detail"]
    await ws.disconnect()


async def test_a_refused_live_comment_is_not_stored(limits, live_session, make_user):
    limits(**{"ws.comment.post": "2/m"})
    resident = await sync_to_async(make_user)(is_verified=True)
    ws = await connect(resident)
    frames = [await ask(ws, type="comment.post", session=live_session.pk, text=f"Söz {n}") for n in range(3)]
    assert [f["type"] for f in frames] == ["ok", "ok", "error"] and frames[2]["code"] == "rate_limited"
    texts = await sync_to_async(lambda: sorted(LiveComment.objects.values_list("text", flat=True)))()
    assert texts == ["Söz 0", "Söz 1"]
    await ws.disconnect()
