"""Shared helpers for the security tests: sockets through the real ASGI app, personas'
tokens, a conversation waiting in General."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def agent_token(profile) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=profile.user)[0].key


async def open_socket(path: str, *, origin: str | None = None) -> tuple[WebsocketCommunicator, bool, int | None]:
    from config.asgi import application

    headers = [(b"origin", origin.encode())] if origin is not None else []
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def agent_socket(profile) -> WebsocketCommunicator:
    token = await database_sync_to_async(agent_token)(profile)
    communicator, connected, _ = await open_socket(f"/ws/agent/?token={token}")
    assert connected
    return communicator


async def drain(communicator: WebsocketCommunicator, timeout: float = 0.3) -> list[dict]:
    """Everything that arrives until `timeout` of silence."""
    got = []
    while not await communicator.receive_nothing(timeout=timeout):
        got.append(json.loads(await communicator.receive_from()))
    return got


async def frames_until(communicator: WebsocketCommunicator, predicate, timeout: float = 5.0) -> list[dict]:
    got = []
    while True:
        frame = json.loads(await communicator.receive_from(timeout=timeout))
        got.append(frame)
        if predicate(frame):
            return got


def queue_it(conversation) -> None:
    """Hand the conversation to its default human queue (General)."""
    from helpdesk.services.handoff import conversation_request_handoff

    conversation_request_handoff(
        conversation_id=str(conversation.pk), trigger="explicit_request", actor_type="customer"
    )


@pytest.fixture
def queued(queues, started):
    """Dana's conversation, waiting in General: (conversation, token)."""
    conversation, token = started
    queue_it(conversation)
    conversation.refresh_from_db()
    assert conversation.queue.name == "General" and conversation.status == "queued"
    return conversation, token
