"""Clients that do what the contract asks of a client when things break.

A customer reconnects with `after=<last seq it saw>` and sends again, with the same
`client_msg_id`, every message it has not seen come back. Both clients record every message
frame and fail on a duplicate, so "nothing seen twice" is checked on every frame.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import websockets

from tests.support.servers import DEMO_PASSWORD, Server, http_json
from tests.support.wsclient import Client, Frame

Predicate = Callable[[Frame], bool]


class Closed(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"socket closed with {code}")
        self.code = code


async def _connect(url: str, retry_for: float) -> Client:
    """Connect, retrying while the server refuses or is away (Redis down: the handshake fails)."""
    deadline = time.monotonic() + retry_for
    while True:
        try:
            return await Client.connect(url)
        except (OSError, websockets.InvalidHandshake, TimeoutError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)


class Participant:
    client: Client | None = None

    def __init__(self) -> None:
        self.close_codes: list[int | None] = []
        self.frames: list[Frame] = []  # everything received, for the checks and for failures

    def record(self, frame: Frame) -> None:
        raise NotImplementedError

    async def recv(self, timeout: float) -> Frame:
        assert self.client is not None
        try:
            frame = await self.client.recv(timeout)
        except websockets.ConnectionClosed:
            code = self.client.connection.close_code
            self.close_codes.append(code)
            self.client = None
            raise Closed(code) from None
        self.frames.append(frame)
        self.record(frame)
        return frame

    async def until(self, predicate: Predicate, timeout: float = 15.0) -> Frame:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching frame in {timeout}s; the last frames: {self.frames[-6:]}")
            try:
                frame = await self.recv(remaining)
            except TimeoutError:
                continue
            if predicate(frame):
                return frame

    async def drain(self, seconds: float) -> list[Frame]:
        """Everything that arrives within `seconds` (stops early if the socket closes)."""
        got: list[Frame] = []
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                got.append(await self.recv(remaining))
            except TimeoutError:
                break
        return got

    async def wait_closed(self, timeout: float) -> int | None:
        """Read until the server closes the socket; its close code."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                await self.recv(remaining)
            except Closed as closed:
                return closed.code
            except TimeoutError:
                break
        raise AssertionError(f"the socket was not closed within {timeout}s")

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = None


class Customer(Participant):
    def __init__(self, conversation: dict[str, Any]) -> None:
        super().__init__()
        self.id: str = conversation["id"]
        self.path: str = conversation["ws_url"]
        self.seqs: list[int] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.unconfirmed: dict[str, str] = {}

    @classmethod
    def start(cls, server: Server, name: str) -> Customer:
        status, conversation = http_json("POST", f"{server.url}/api/v1/conversations/", {"name": name})
        assert status == 201, conversation
        return cls(conversation)

    @property
    def last_seq(self) -> int:
        return self.seqs[-1] if self.seqs else 0

    async def connect(self, server: Server, retry_for: float = 30.0) -> None:
        after = f"&after={self.last_seq}" if self.seqs else ""
        self.client = await _connect(server.ws_url + self.path + after, retry_for)

    def record(self, frame: Frame) -> None:
        if frame.get("type") != "message":
            return
        message = frame["message"]
        seq = message["seq"]
        assert seq not in self.messages, f"seq {seq} delivered twice to the customer"
        assert seq == self.last_seq + 1, f"seq {seq} after {self.last_seq}: a gap or out of order"
        self.seqs.append(seq)
        self.messages[seq] = message
        self.unconfirmed.pop(message.get("client_msg_id") or "", None)

    async def say(self, body: str, client_msg_id: str) -> None:
        self.unconfirmed[client_msg_id] = body
        assert self.client is not None
        await self.client.send({"type": "message", "body": body, "client_msg_id": client_msg_id})

    async def resend_unconfirmed(self) -> None:
        for client_msg_id, body in list(self.unconfirmed.items()):
            await self.say(body, client_msg_id)

    def bodies(self, sender: str | None = None) -> list[str]:
        return [m["body"] for m in self.messages.values() if sender is None or m["sender"] == sender]


class Agent(Participant):
    def __init__(self, username: str, server: Server) -> None:
        super().__init__()
        status, body = http_json(
            "POST", f"{server.url}/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert status == 200, body
        self.token: str = body["token"]
        # conversation id -> message id -> M
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}

    async def connect(self, server: Server, retry_for: float = 30.0) -> None:
        self.client = await _connect(f"{server.ws_url}/ws/agent/?token={self.token}", retry_for)

    def record(self, frame: Frame) -> None:
        if frame.get("type") != "message":
            return
        seen = self.messages.setdefault(frame["conversation_id"], {})
        message = frame["message"]
        assert message["id"] not in seen, f"message {message['id']} delivered twice to the agent"
        seen[message["id"]] = message

    async def send(self, frame: Frame) -> None:
        assert self.client is not None
        await self.client.send(frame)

    def packet(self, server: Server, conversation_id: str) -> dict[str, Any]:
        status, body = http_json(
            "GET",
            f"{server.url}/api/v1/agent/conversations/{conversation_id}/",
            headers={"Authorization": f"Token {self.token}"},
        )
        assert status == 200, body
        return body


def is_type(frame_type: str) -> Predicate:
    return lambda frame: frame.get("type") == frame_type
