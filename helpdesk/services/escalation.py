"""The writes of escalation (routing/escalation.py decides when): a waiting chat raised one
priority step or moved to its queue's overflow, a ticket near its due time made urgent.

Race: two sweeps at once (two beat processes, or beat and a manual run). Each write is a
conditional UPDATE on the state it changes (escalation_level, escalated_at): exactly one run
wins each, and only the winner pushes and alerts.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from ..infrastructure import realtime
from ..models import Conversation, ConversationStatus, Priority, Ticket
from .lifecycle import push_conversation_updated, push_queue_positions
from .transfers import conversation_transfer_by_system


def conversation_overflow(*, conversation_id: uuid.UUID | str, from_queue_id: int, to_queue_id: int) -> bool:
    claimed = Conversation.objects.filter(
        pk=conversation_id, status=ConversationStatus.QUEUED, escalation_level__lt=2, queue_id=from_queue_id
    ).update(escalation_level=2)
    if claimed:
        conversation_transfer_by_system(conversation_id=conversation_id, queue_id=to_queue_id)
    return bool(claimed)


def conversation_step_up(*, conversation_id: uuid.UUID | str, queue_id: int, priority: int) -> bool:
    """The first escalation of a waiting chat: one priority step, once."""
    claimed = Conversation.objects.filter(
        pk=conversation_id, status=ConversationStatus.QUEUED, escalation_level=0, priority__lt=priority
    ).update(priority=priority, escalation_level=1)
    if claimed:
        push_conversation_updated(conversation_id)
        push_queue_positions(queue_id, None)
    return bool(claimed)


def ticket_escalate(*, ticket: Ticket, now: datetime) -> bool:
    """A ticket near its due time: urgent, and its supervisors hear it, once."""
    claimed = Ticket.objects.filter(pk=ticket.pk, escalated_at__isnull=True).update(
        escalated_at=now, priority=Priority.URGENT
    )
    if claimed:
        realtime.alert_supervisors(
            f"Ticket #{ticket.pk} “{ticket.subject}” is due {ticket.due_at:%H:%M}.", {"ticket_id": str(ticket.pk)}
        )
    return bool(claimed)
