"""Shapes of what goes over the wire (docs/protocol.md). Pure functions over loaded rows."""

from __future__ import annotations

from typing import Any

from .models import Conversation, Message, Priority


def iso(value) -> str | None:
    return value.isoformat() if value else None


def message_payload(message: Message, *, for_staff: bool = False) -> dict[str, Any]:
    """The message object `M` of the contract; internal notes carry `internal: true`; agents
    also see the model's reading of a customer message."""
    payload = {
        "id": str(message.pk),
        "seq": message.seq,
        "sender": message.sender,
        "author_name": message.author_name,
        "body": message.body,
        "options": message.options or [],
        "client_msg_id": message.client_msg_id,
        "created_at": iso(message.created_at),
    }
    if message.internal:
        payload["internal"] = True
    if message.sender == "bot":
        # knowledge-base.md §2: the articles a knowledge-base answer drew on, [] otherwise.
        payload["sources"] = (message.data or {}).get("sources") or []
    if (message.data or {}).get("attachment"):
        payload["attachment"] = message.data["attachment"]
    if for_staff and (message.data or {}).get("prediction"):
        payload["prediction"] = message.data["prediction"]
    return payload


def priority_name(value: int) -> str:
    return Priority(value).label


def conversation_summary(conversation: Conversation, *, position: int | None = None) -> dict[str, Any]:
    """The list-row view of a conversation (no transcript)."""
    customer = conversation.customer
    return {
        "id": str(conversation.pk),
        "status": conversation.status,
        "queue": conversation.queue.name if conversation.queue_id else None,
        "priority": priority_name(conversation.priority),
        "agent_name": conversation.agent.agent.display_name
        if conversation.agent_id and hasattr(conversation.agent, "agent")
        else None,
        "agent_id": str(conversation.agent_id) if conversation.agent_id else None,
        "intent": conversation.intent or None,
        "intent_confidence": conversation.intent_confidence,
        "sentiment": conversation.sentiment,
        "sentiment_score": conversation.sentiment_score,
        "handoff_trigger": conversation.handoff_trigger or None,
        "summary": conversation.summary,
        "collected": conversation.collected or {},
        "tags": conversation.tags or [],
        "channel": conversation.channel,
        "page_url": conversation.page_url,
        "customer": {
            "id": str(customer.pk),
            "name": customer.display_name,
            "email": customer.email,
            "tier": customer.tier,
        },
        "position": position,
        "created_at": iso(conversation.created_at),
        "queued_at": iso(conversation.queued_at),
        "assigned_at": iso(conversation.assigned_at),
        "last_seq": conversation.last_seq,
    }
