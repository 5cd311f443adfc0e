"""A websocket client that speaks only the contract (JSON frames)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import websockets

from tests.support.servers import DEMO_PASSWORD, http_json

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


async def _until_offline(server, token: str, username: str, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        status, inbox = await asyncio.to_thread(
            http_json, "GET", f"{server.url}/api/v1/inbox/", headers={"Authorization": f"Token {token}"}
        )
        assert status == 200, inbox
        if inbox["agent"]["presence"] == "offline":
            return
        if loop.time() > deadline:
            raise AssertionError(f"{username} still {inbox['agent']['presence']} {timeout}s after their socket closed")
        await asyncio.sleep(0.1)


def agent_frames(server, *frames: Frame, username: str = "agent_general", password: str = DEMO_PASSWORD) -> None:
    """An agent does something over the agent socket, as the inbox would: each frame is sent
    and answered (`ok`) before the next. From a synchronous test (Playwright's sync API runs
    its own loop in the test's thread), so the socket gets a thread of its own."""

    async def run() -> None:
        status, answer = http_json(
            "POST", f"{server.url}/api/v1/auth/token/", {"username": username, "password": password}
        )
        assert status == 200, answer
        client = await Client.connect(f"{server.ws_url}/ws/agent/?token={answer['token']}")
        try:
            for frame in frames:
                await client.send(frame)
                done = await client.until(
                    lambda f, a=frame["type"]: f.get("type") in ("ok", "error") and f.get("action") == a
                )
                assert done[-1]["type"] == "ok", done[-1]
        finally:
            await client.close()
        # The close reaches the desk's consumer after the client has its answer: wait until the
        # desk has taken the agent offline, or a chat routed next would find them still online.
        await _until_offline(server, answer["token"], username)

    failures: list[BaseException] = []

    def in_thread() -> None:
        try:
            asyncio.run(run())
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            failures.append(error)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join(60)
    if failures:
        raise failures[0]
