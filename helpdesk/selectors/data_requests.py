"""Reads for the customer's data requests: who may make them, and what the desk holds on a
customer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch
from django.utils import timezone

from ..models import (
    AgentProfile,
    Attachment,
    Conversation,
    Customer,
    Message,
    Order,
    Ticket,
    TicketEvent,
    TicketEventKind,
)

# Collected fields that describe the conversation, not the person: kept on erasure. Everything
# else the bot gathered (email, order number, the damage or problem in their words, whatever a
# new flow adds) counts as the customer's and is erased.
NON_PERSONAL_COLLECTED = frozenset({"fraud_signs", "order_status", "photo", "steps_tried"})


def is_supervisor(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """A supervisor's agent profile, or a superuser (who runs the desk)."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser or AgentProfile.objects.filter(user=user, is_supervisor=True).exists())


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _message(message: Message) -> dict[str, Any]:
    row: dict[str, Any] = {
        "seq": message.seq,
        "sender": message.sender,
        "author_name": message.author_name,
        "body": message.body,
        "created_at": _when(message.created_at),
    }
    if message.options:
        row["options"] = message.options
    return row


def _attachment(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": str(attachment.pk),
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "created_at": _when(attachment.created_at),
    }


def customer_personal_data(customer: Customer) -> dict[str, Any]:
    """Everything the desk holds on one customer, as JSON-ready data (their export).

    Only customer-visible messages: internal notes are the staff's working notes, not part of
    the customer's record. Ticket descriptions and closing notes are left out for the same
    reason (agents write them; a callback ticket's description repeats the transcript that is
    already here); the emails a ticket sent them are in, as they received them.
    Attachments come as metadata; the files are theirs to download in the chat.
    """
    visible = Message.objects.filter(internal=False).order_by("id")
    conversations = (
        Conversation.objects.filter(customer=customer)
        .select_related("queue")
        .prefetch_related(Prefetch("messages", queryset=visible), "attachments", "csat")
        .order_by("created_at")
    )
    orders = Order.objects.filter(customer_email__iexact=customer.email) if customer.email else Order.objects.none()
    return {
        "exported_at": _when(timezone.now()),
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "email": customer.email,
            "external_id": customer.external_id,
            "tier": customer.tier,
            "notes": customer.notes,
            "created_at": _when(customer.created_at),
        },
        "conversations": [_conversation(c) for c in conversations],
        "tickets": [
            {
                "id": t.pk,
                "subject": t.subject,
                "status": t.status,
                "conversation_id": str(t.conversation_id) if t.conversation_id else None,
                "created_at": _when(t.created_at),
                "updated_at": _when(t.updated_at),
                "emails": [{"from": e.actor_name, "body": e.body, "at": _when(e.created_at)} for e in t.events.all()],
            }
            for t in Ticket.objects.filter(customer=customer)
            .prefetch_related(Prefetch("events", queryset=TicketEvent.objects.filter(kind=TicketEventKind.REPLIED)))
            .order_by("created_at")
        ],
        "orders": [
            {"number": o.number, "status": o.status, "placed_at": _when(o.placed_at), "items": o.items}
            for o in orders.order_by("placed_at", "number")
        ],
    }


def _conversation(conversation: Conversation) -> dict[str, Any]:
    csat = getattr(conversation, "csat", None)
    return {
        "id": str(conversation.pk),
        "created_at": _when(conversation.created_at),
        "channel": conversation.channel,
        "page_url": conversation.page_url,
        "status": conversation.status,
        "queue": conversation.queue.name if conversation.queue_id else None,
        "resolved_at": _when(conversation.resolved_at),
        "collected": dict(conversation.collected or {}),
        "messages": [_message(m) for m in conversation.messages.all()],
        "attachments": [_attachment(a) for a in conversation.attachments.all()],
        "csat": (
            {"score": csat.score, "comment": csat.comment, "created_at": _when(csat.created_at)}
            if csat is not None
            else None
        ),
    }
