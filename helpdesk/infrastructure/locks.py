"""Every row lock the kernel takes, named in one place.

Lock order, to rule out deadlocks: an agent's profile before a conversation; a ticket's lock is
taken alone (no ticket action locks another row). Every helper must run inside
`transaction.atomic()`. On SQLite `select_for_update` is a no-op; there the
IMMEDIATE transaction mode (settings) serialises writers instead.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.transaction import TransactionManagementError

from ..errors import NotFound
from ..models import AgentProfile, Conversation, Ticket
from .prepared import Prepared

# The conversation's lock is the desk's commonest statement (every message, every turn, every
# status change): compiled once per process (prepared.py), not for each lock (~1 ms of Python
# a lock on a 2-core machine, more than the round trip).
_CONVERSATION_LOCK = Prepared(lambda pk: Conversation.objects.select_for_update().filter(pk=pk), pk=uuid.UUID)


def lock_conversation(conversation_id: uuid.UUID | str) -> Conversation:
    """Serialises writers of one conversation: seq allocation, status changes, claims."""
    if connection.features.has_select_for_update and connection.get_autocommit():
        raise TransactionManagementError("lock_conversation needs the caller's open transaction")
    try:
        pk = Conversation._meta.pk.to_python(conversation_id)
    except (ValidationError, ValueError) as exc:
        raise NotFound() from exc
    conversation = _CONVERSATION_LOCK.first(pk=pk) if pk is not None else None
    if conversation is None:
        raise NotFound()
    return conversation


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
