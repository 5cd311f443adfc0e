"""A websocket client that speaks only the contract (JSON frames)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import websockets

Frame = dict[str, Any]


class Client:
    def __init__(self, connection: websockets.ClientConnection) -> None:
        self.connection = connection
        self.seen: list[Frame] = []

    @classmethod
    async def connect(cls, url: str, **kwargs: Any) -> Client:
        return cls(await websockets.connect(url, open_timeout=10, **kwargs))

    async def send(self, frame: Frame | str) -> None:
        await self.connection.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout: float = 10.0) -> Frame:
        frame = json.loads(await asyncio.wait_for(self.connection.recv(), timeout))
        self.seen.append(frame)
        return frame

    async def until(self, predicate: Callable[[Frame], bool], timeout: float = 10.0) -> list[Frame]:
        """Frames received up to and including the first that matches."""
        got: list[Frame] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no matching frame in {timeout}s; got {got}")
            frame = await self.recv(remaining)
            got.append(frame)
            if predicate(frame):
                return got

    async def until_type(self, frame_type: str, timeout: float = 10.0) -> Frame:
        return (await self.until(lambda f: f.get("type") == frame_type, timeout))[-1]

    async def quiet(self, seconds: float = 0.5) -> list[Frame]:
        """Whatever arrives within `seconds`."""
        got: list[Frame] = []
        try:
            while True:
                got.append(await self.recv(seconds))
        except TimeoutError:
            return got

    async def close(self) -> None:
        await self.connection.close()


def is_message(sender: str | None = None, body: str | None = None) -> Callable[[Frame], bool]:
    def check(frame: Frame) -> bool:
        if frame.get("type") != "message":
            return False
        message = frame["message"]
        return (sender is None or message["sender"] == sender) and (body is None or message["body"] == body)

    return check
