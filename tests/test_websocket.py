"""The ASGI stack: `/ws/` is reachable through the origin check and answers frames safely."""

import json

import pytest
from channels.testing import WebsocketCommunicator

from meydan.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def communicator(origin=b"http://127.0.0.1:8000"):
    headers = [(b"origin", origin)] if origin else []
    return WebsocketCommunicator(application, "/ws/", headers=headers)


async def test_same_origin_socket_answers_ping():
    ws = communicator()
    connected, _ = await ws.connect()
    assert connected
    await ws.send_to(text_data=json.dumps({"type": "ping"}))
    assert json.loads(await ws.receive_from()) == {"type": "pong", "ref": None}
    await ws.disconnect()


@pytest.mark.parametrize("origin", [b"https://evil.example", None])
async def test_foreign_or_missing_origin_is_refused(origin):
    ws = communicator(origin)
    connected, _ = await ws.connect()
    assert not connected


@pytest.mark.parametrize(
    ("frame", "code"),
    [("not json", "bad_json"), (json.dumps({"type": "launch"}), "unknown_type"), ("[1,2]", "unknown_type"),
     (json.dumps({"type": "ping", "pad": "x" * 5000}), "bad_frame")],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_usable(frame, code):
    ws = communicator()
    await ws.connect()
    await ws.send_to(text_data=frame)
    error = json.loads(await ws.receive_from())
    assert error["type"] == "error" and error["code"] == code
    await ws.send_to(text_data=json.dumps({"type": "ping"}))
    assert json.loads(await ws.receive_from()) == {"type": "pong", "ref": None}
    await ws.disconnect()
