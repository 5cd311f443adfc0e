"""Every row lock the kernel takes, named in one place.

Lock order, to rule out deadlocks: an agent's profile before a conversation; a ticket's lock is
taken alone (no ticket action locks another row). Every helper must run inside
`transaction.atomic()`. On SQLite `select_for_update` is a no-op; there the
IMMEDIATE transaction mode (settings) serialises writers instead.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError

from ..errors import NotFound
from ..models import AgentProfile, Conversation, Ticket


def lock_conversation(conversation_id: uuid.UUID | str) -> Conversation:
    """Serialises writers of one conversation: seq allocation, status changes, claims."""
    try:
        return Conversation.objects.select_for_update().get(pk=conversation_id)
    except (Conversation.DoesNotExist, ValidationError, ValueError) as exc:
        raise NotFound() from exc


def lock_agent(user_id: int) -> AgentProfile:
    """Serialises capacity checks of one agent: two concurrent claims cannot both see a free
    slot."""
    return AgentProfile.objects.select_for_update().select_related("user").get(user_id=user_id)


def lock_ticket(ticket_id: int | str) -> Ticket:
    """Serialises agents' actions on one ticket: two claims at once, a reply racing a close."""
    try:
        return Ticket.objects.select_for_update().get(pk=ticket_id)
    except (Ticket.DoesNotExist, ValidationError, ValueError) as exc:
        raise NotFound("No such ticket.") from exc
