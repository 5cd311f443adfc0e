from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from ..models import Conversation, ConversationEvent, Customer, EventKind, Priority, Queue, Ticket


def ticket_open(
    *,
    subject: str,
    customer: Customer,
    description: str = "",
    conversation: Conversation | None = None,
    queue: Queue | None = None,
    priority: int = Priority.NORMAL,
    assignee: AbstractBaseUser | None = None,
    due_at: datetime | None = None,
    created_by: AbstractBaseUser | None = None,
) -> Ticket:
    """Open a ticket, from a conversation (a callback request) or by an agent."""
    with transaction.atomic():
        ticket = Ticket.objects.create(
            subject=subject.strip()[:200],
            description=description,
            customer=customer,
            conversation=conversation,
            queue=queue or (conversation.queue if conversation else None),
            priority=priority,
            assignee=assignee,
            due_at=due_at,
            created_by=created_by,
        )
        if conversation is not None:
            ConversationEvent.objects.create(
                conversation=conversation,
                kind=EventKind.TICKET,
                actor_type="agent" if created_by else "system",
                actor=created_by,
                new_value=str(ticket.pk),
            )
    return ticket
