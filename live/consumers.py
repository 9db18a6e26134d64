"""The one websocket endpoint. This first version answers pings and refuses everything else with an
error frame; the event protocol (subscribe/replay/live events) arrives with the live issue."""

import json

from channels.generic.websocket import AsyncWebsocketConsumer

MAX_FRAME_BYTES = 4096


class LiveConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is not None or text_data is None or len(text_data.encode()) > MAX_FRAME_BYTES:
            await self.send_error("bad_frame", "Frames must be JSON text of at most 4 KB.")
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self.send_error("bad_json", "Frames must be valid JSON.")
            return
        if not isinstance(message, dict) or message.get("type") != "ping":
            await self.send_error("unknown_type", "Unknown message type.")
            return
        await self.send(text_data=json.dumps({"type": "pong"}))

    async def send_error(self, code, detail):
        await self.send(text_data=json.dumps({"type": "error", "code": code, "detail": detail}))
