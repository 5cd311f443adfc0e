"""Shared helpers for the security tests: sockets through the real ASGI app, personas'
tokens, a conversation waiting in General."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator

# The socket helpers every consumer test shares (re-exported for the security tests).
from tests.test_consumers import agent_socket, drain, frames_until  # noqa: F401

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
