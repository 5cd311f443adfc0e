"""The desk's sockets through the real ASGI app and Channels' in-memory communicators (no
network): a customer's and an agent's socket, and reading frames off them."""

from __future__ import annotations

import json

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application


async def customer(conversation_id, token, after=None) -> WebsocketCommunicator:
    path = f"/ws/conversations/{conversation_id}/?token={token}" + (f"&after={after}" if after is not None else "")
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def agent_socket(profile) -> WebsocketCommunicator:
    from rest_framework.authtoken.models import Token

    token = await database_sync_to_async(lambda: Token.objects.get_or_create(user=profile.user)[0].key)()
    communicator = WebsocketCommunicator(application, f"/ws/agent/?token={token}")
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def frames_until(communicator, predicate, timeout=3.0) -> list[dict]:
    got = []
    while True:
        frame = json.loads(await communicator.receive_from(timeout=timeout))
        got.append(frame)
        if predicate(frame):
            return got


async def drain(communicator, timeout=0.3) -> list[dict]:
    """Everything that arrives until `timeout` of silence. (receive_nothing, unlike a timed
    receive_from, does not cancel the application when nothing comes.)"""
    got = []
    while not await communicator.receive_nothing(timeout=timeout):
        got.append(json.loads(await communicator.receive_from()))
    return got


def of_type(kind):
    return lambda f: f["type"] == kind


def bot_said(frame) -> bool:
    return frame["type"] == "message" and frame["message"]["sender"] == "bot"


async def chat(name: str = "Dana"):
    """A new customer's conversation and its socket, the greeting read: (conversation, ws)."""
    from helpdesk.services.conversations import conversation_start

    conversation, token = await database_sync_to_async(conversation_start)(name=name)
    ws = await customer(conversation.pk, token)
    await drain(ws)
    return conversation, ws


async def say(ws, body: str) -> dict:
    """The customer says `body`; the bot's answer to it."""
    await ws.send_json_to({"type": "message", "body": body})
    return (await frames_until(ws, bot_said))[-1]["message"]
