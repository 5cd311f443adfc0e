"""Every row lock the kernel takes, named in one place.

Lock order, to rule out deadlocks: an agent's profile before a conversation; a ticket's lock is
taken alone (no ticket action locks another row). Every helper must run inside
`transaction.atomic()`. On SQLite `select_for_update` is a no-op; there the
IMMEDIATE transaction mode (settings) serialises writers instead.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.transaction import TransactionManagementError

from ..errors import NotFound
from ..models import AgentProfile, Conversation, Ticket

# The conversation's lock is the desk's commonest statement (every message, every turn, every
# status change). The ORM compiled the same SELECT ... FOR UPDATE of every column for each one
# (~1 ms of Python a lock on a 2-core machine, more than the round trip): it is compiled once
# per process here, and the row is built as the ORM builds it (each column's converters,
# `from_db`).
_conversation_lock: tuple[str, str, list[tuple[Any, list[Any]]]] | None = None


def lock_conversation(conversation_id: uuid.UUID | str) -> Conversation:
    """Serialises writers of one conversation: seq allocation, status changes, claims."""
    if connection.features.has_select_for_update and connection.get_autocommit():
        raise TransactionManagementError("lock_conversation needs the caller's open transaction")
    try:
        pk = Conversation._meta.pk.get_db_prep_value(conversation_id, connection)
    except (ValidationError, ValueError) as exc:
        raise NotFound() from exc
    sql, converters = _conversation_lock_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    values = []
    for value, (expression, field_converters) in zip(row, converters, strict=True):
        for convert in field_converters:
            value = convert(value, expression, connection)
        values.append(value)
    return Conversation.from_db(connection.alias, _CONVERSATION_ATTNAMES, values)


_CONVERSATION_ATTNAMES = [field.attname for field in Conversation._meta.concrete_fields]


def _conversation_lock_sql() -> tuple[str, list[tuple[Any, list[Any]]]]:
    """The ORM's own statement and each column's converters, for this process's database."""
    global _conversation_lock
    if _conversation_lock is None or _conversation_lock[0] != connection.vendor:
        query = Conversation.objects.select_for_update().filter(pk=uuid.UUID(int=0)).query
        sql, _ = query.get_compiler(connection=connection).as_sql()
        converters = []
        for field in Conversation._meta.concrete_fields:
            expression = field.get_col(Conversation._meta.db_table)
            converters.append(
                (expression, connection.ops.get_db_converters(expression) + field.get_db_converters(connection))
            )
        _conversation_lock = (connection.vendor, sql, converters)
    return _conversation_lock[1], _conversation_lock[2]


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
