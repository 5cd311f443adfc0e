"""The customer's socket: /ws/conversations/<id>/?token=<token>[&after=<seq>]."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings

from ..errors import ServiceError
from ..frames import message_payload
from ..infrastructure import realtime
from ..security.ratelimit import TokenBucket
from ..selectors.conversations import conversation_get_for_customer, messages_after
from ..services.conversations import conversation_close_by_customer, csat_submit
from ..services.handoff import conversation_request_handoff
from ..services.messages import customer_message_post
from .base import FrameError, JsonFrameConsumer
from .db import db

TYPING_INTERVAL_SECONDS = 1.0


class CustomerConsumer(JsonFrameConsumer):
    conversation_id: str
    last_seq: int

    async def connect(self) -> None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        token = (query.get("token") or [""])[-1]
        conversation_id = self.scope["url_route"]["kwargs"]["conversation_id"]
        conversation = await db(conversation_get_for_customer)(conversation_id, token)
        if conversation is None:
            await self.close(code=4403)  # refused before accept: the handshake fails with 403
            return
        try:
            after = max(0, int((query.get("after") or ["0"])[-1]))
        except ValueError:
            after = 0
        self.conversation_id = str(conversation.pk)
        self.last_seq = after
        self.bucket = TokenBucket(**_rate(settings.HELPDESK_CUSTOMER_RATE))
        self.last_typing = 0.0
        # Join before reading the replay: a message committed in between is then both in the
        # replay and in the group, and the seq check below drops the second copy. Reading
        # first would lose it.
        await self.channel_layer.group_add(realtime.customer_group(self.conversation_id), self.channel_name)
        await self.accept()
        for message in await db(messages_after)(self.conversation_id, after):
            await self._deliver(message_payload(message))

    async def disconnect(self, code: int) -> None:
        if getattr(self, "conversation_id", None):
            await self.channel_layer.group_discard(realtime.customer_group(self.conversation_id), self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame: dict[str, Any] = {}
        try:
            frame = self.parse_frame(text_data, bytes_data)
            handler = self.HANDLERS.get(frame["type"])
            if handler is None:
                raise FrameError("unknown_type", f"Unknown frame type {frame['type']!r}.")
            await handler(self, frame)
        except (FrameError, ServiceError) as exc:
            # The refused message's client_msg_id, so a client knows which one to send again
            # (a rate-limited message was not stored).
            client_msg_id = frame.get("client_msg_id")
            extra = {"client_msg_id": client_msg_id} if isinstance(client_msg_id, str) else {}
            await self.send_error(exc.code, exc.detail, **extra)

    async def on_message(self, frame: dict[str, Any]) -> None:
        if not self.bucket.allow():
            raise FrameError("rate_limited", "You are sending messages too fast; wait a moment.")
        message, created = await db(customer_message_post)(
            conversation_id=self.conversation_id,
            body=frame.get("body"),
            client_msg_id=frame.get("client_msg_id"),
        )
        if not created:
            # A retry of a message we already stored: this socket gets it unless it already
            # did (by replay or broadcast), so the client can settle it and sees nothing twice.
            await self._deliver(message_payload(message))

    async def on_typing(self, frame: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - self.last_typing < TYPING_INTERVAL_SECONDS:
            return
        self.last_typing = now
        await db(realtime.typing_to_staff)(self.conversation_id, "customer")

    async def on_csat(self, frame: dict[str, Any]) -> None:
        await db(csat_submit)(
            conversation_id=self.conversation_id, score=frame.get("score"), comment=frame.get("comment", "")
        )

    async def on_request_human(self, frame: dict[str, Any]) -> None:
        if not self.bucket.allow():
            raise FrameError("rate_limited", "You are sending too fast; wait a moment.")
        await db(conversation_request_handoff)(
            conversation_id=self.conversation_id, trigger="explicit_request", actor_type="customer"
        )

    async def on_close(self, frame: dict[str, Any]) -> None:
        await db(conversation_close_by_customer)(conversation_id=self.conversation_id)

    HANDLERS = {
        "message": on_message,
        "typing": on_typing,
        "csat": on_csat,
        "request_human": on_request_human,
        "close": on_close,
    }

    # --- group events ---------------------------------------------------------------------

    async def customer_message(self, event: dict[str, Any]) -> None:
        await self._deliver(event["message"])

    async def customer_frame(self, event: dict[str, Any]) -> None:
        await self.send_json(event["frame"])

    async def _deliver(self, message: dict[str, Any]) -> None:
        """Send messages in seq order, each once. Broadcasts of concurrent writers can arrive
        out of order; a gap is filled from the database before the newer message goes out."""
        seq = message["seq"]
        if seq is None or seq <= self.last_seq:
            return
        if seq > self.last_seq + 1:
            missing = await db(messages_after)(self.conversation_id, self.last_seq)
            for earlier in missing:
                if earlier.seq >= seq:
                    break
                await self._send_message(message_payload(earlier))
        await self._send_message(message)

    async def _send_message(self, message: dict[str, Any]) -> None:
        self.last_seq = message["seq"]
        await self.send_json({"type": "message", "message": message})


def _rate(config: dict[str, Any]) -> dict[str, Any]:
    return {"rate": float(config["rate_per_second"]), "burst": int(config["burst"])}
