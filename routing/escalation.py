"""Periodic escalation (Celery beat every minute, or `python manage.py escalate_due`).

- A conversation queued longer than its queue's `escalate_after_seconds` rises one priority
  step; past `overflow_after_seconds` it moves to the queue's overflow queue.
- The `periodic` rules run over every waiting conversation (e.g. "waited over 10 minutes and
  VIP: urgent"), each firing once per conversation (routing/decisions.py says what each
  action does).
- A ticket within an hour of its due time rises to urgent and its queue's supervisors hear it.

Race: two beat processes (or a beat and a manual run) at once. Every write is a conditional
UPDATE on the state it changes (helpdesk/services/escalation.py), so exactly one run wins each;
periodic rules claim their firings under the conversation's lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from helpdesk.infrastructure import realtime
from helpdesk.infrastructure.locks import lock_conversation
from helpdesk.models import Conversation, ConversationStatus, Priority, Queue, Ticket, TicketStatus
from helpdesk.services.escalation import conversation_overflow, conversation_step_up, ticket_escalate
from helpdesk.services.transfers import conversation_transfer_by_system

from .decisions import carry_out, decide, has_rules
from .facts import facts_for
from .models import RuleFiring

TICKET_WARNING = timedelta(hours=1)


@dataclass
class Report:
    raised: list[str] = field(default_factory=list)
    overflowed: list[str] = field(default_factory=list)
    tickets: list[int] = field(default_factory=list)
    ruled: list[str] = field(default_factory=list)  # a periodic rule fired


def _run_periodic_rules(conversation: Conversation, now) -> bool:
    """The periodic rules over one waiting conversation, each firing once for it. The firings
    are claimed under the conversation's lock, so two sweeps at once act once; the actions run
    after the claim commits (a crash between loses them rather than repeating them)."""
    if not has_rules("periodic"):
        return False  # the common case: no lock, no facts' queries for each waiting chat
    with transaction.atomic():
        lock_conversation(conversation.pk)
        fired = frozenset(RuleFiring.objects.filter(conversation=conversation).values_list("rule_name", flat=True))
        decision = decide(facts_for(conversation=conversation, now=now, stage="periodic"), stage="periodic", skip=fired)
        if not decision.matched:
            return False
        RuleFiring.objects.bulk_create([RuleFiring(conversation=conversation, rule_name=n) for n in decision.matched])
    carry_out(decision, conversation_id=conversation.pk, stage="periodic")
    queue = Queue.objects.filter(name__iexact=decision.handoff_queue).first() if decision.handoff_queue else None
    if queue is not None and queue.pk != conversation.queue_id:
        conversation_transfer_by_system(
            conversation_id=conversation.pk, queue_id=queue.pk, reason=decision.trigger or "rule"
        )
    return True


def escalate_due(*, now=None) -> Report:
    now = now or timezone.now()
    report = Report()
    waiting = Conversation.objects.filter(status=ConversationStatus.QUEUED).select_related("queue", "customer")
    for conversation in waiting:
        queue = conversation.queue
        waited = (now - (conversation.queued_at or now)).total_seconds()
        if queue and queue.overflow_after_seconds and queue.overflow_queue_id and waited > queue.overflow_after_seconds:
            if conversation_overflow(
                conversation_id=conversation.pk, from_queue_id=queue.pk, to_queue_id=queue.overflow_queue_id
            ):
                report.overflowed.append(str(conversation.pk))
                realtime.alert_supervisors(
                    f"A conversation waited {waited / 60:.0f} min in {queue.name}; moved to overflow.",
                    {"conversation_id": str(conversation.pk)},
                )
            continue
        if queue and queue.escalate_after_seconds and waited > queue.escalate_after_seconds:
            target = min(conversation.priority + 1, Priority.URGENT)
            if conversation_step_up(conversation_id=conversation.pk, queue_id=queue.pk, priority=target):
                report.raised.append(str(conversation.pk))
        if _run_periodic_rules(conversation, now):
            report.ruled.append(str(conversation.pk))
    due = Ticket.objects.filter(
        status__in=[TicketStatus.OPEN, TicketStatus.PENDING],
        due_at__isnull=False,
        due_at__lte=now + TICKET_WARNING,
        escalated_at__isnull=True,
    )
    for ticket in due:
        if ticket_escalate(ticket=ticket, now=now):
            report.tickets.append(ticket.pk)
    return report
