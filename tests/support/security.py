"""Helpers for the security tests: a small PNG upload, personas' API tokens, sockets opened
through the real ASGI app with a chosen Origin, a conversation handed to General."""

from __future__ import annotations

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


def queue_it(conversation) -> None:
    """Hand the conversation to its default human queue (General)."""
    from helpdesk.services.handoff import conversation_request_handoff

    conversation_request_handoff(
        conversation_id=str(conversation.pk), trigger="explicit_request", actor_type="customer"
    )
