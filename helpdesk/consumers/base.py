from __future__ import annotations

import json
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from . import layer_watch


class FrameError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class JsonFrameConsumer(AsyncWebsocketConsumer):
    """Parses text frames into JSON objects; a bad frame gets an `error` frame and the
    connection stays open."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels' own dispatch first closes the stale connections of the process's one shared
        # sync thread: a hop to that thread and back for every frame and every push, all sockets
        # queued on it. No handler here uses that thread's connection: database work runs through
        # `db()` (a pool of its own, each call's connection checked there) or Channels'
        # `database_sync_to_async` (auth.py), which closes stale connections around each call.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def accept(self, subprotocol: str | None = None, headers: list | None = None) -> None:
        await super().accept(subprotocol, headers)
        # Closed with 4012 if the channel layer drops frames meanwhile (layer_watch).
        layer_watch.watch(self)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        layer_watch.unwatch(self)
        await super().websocket_disconnect(message)

    async def send_json(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))

    async def send_error(self, code: str, detail: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail, **extra})

    def parse_frame(self, text_data: str | None, bytes_data: bytes | None) -> dict[str, Any]:
        if text_data is None:
            raise FrameError("bad_frame", "Frames must be JSON text, not binary.")
        limit = settings.HELPDESK_MAX_FRAME_BYTES
        if len(text_data) > limit or (len(text_data) > limit // 4 and len(text_data.encode()) > limit):
            raise FrameError("frame_too_large", f"A frame may be at most {settings.HELPDESK_MAX_FRAME_BYTES} bytes.")
        try:
            frame = json.loads(text_data)
        except (ValueError, RecursionError) as exc:
            raise FrameError("bad_json", "The frame is not valid JSON.") from exc
        if not isinstance(frame, dict):
            raise FrameError("bad_frame", "A frame must be a JSON object.")
        if not isinstance(frame.get("type"), str):
            raise FrameError("bad_frame", "A frame needs a string 'type'.")
        return frame
