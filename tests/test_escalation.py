"""Periodic escalation: raise, overflow, tickets, periodic rules; each exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.models import Conversation, Customer, Queue, Ticket
from helpdesk.services.conversations import conversation_start
from helpdesk.services.handoff import conversation_request_handoff
from routing.escalation import escalate_due
from routing.rules.loader import forget
from routing.services import rules_import

pytestmark = pytest.mark.django_db(transaction=True)


def waiting(minutes: float, *, queue: str = "General", email: str | None = None) -> Conversation:
    conversation, _ = conversation_start(name="w", email=email)
    conversation_request_handoff(
        conversation_id=conversation.pk, trigger="explicit_request", actor_type="customer", queue_name=queue
    )
    Conversation.objects.filter(pk=conversation.pk).update(queued_at=timezone.now() - timedelta(minutes=minutes))
    conversation.refresh_from_db()
    return conversation


def test_a_long_wait_raises_priority_once(queues) -> None:
    Queue.objects.filter(name="General").update(escalate_after_seconds=300)
    late, fresh = waiting(10), waiting(1)
    assert escalate_due().raised == [str(late.pk)]
    assert escalate_due().raised == []
    late.refresh_from_db()
    fresh.refresh_from_db()
    assert late.get_priority_display() == "high" and fresh.get_priority_display() == "normal"


def test_past_the_second_limit_it_overflows_to_the_fallback_queue(queues) -> None:
    Queue.objects.filter(name="Billing").update(overflow_after_seconds=900, overflow_queue=queues["General"])
    stuck = waiting(20, queue="Billing")
    assert escalate_due().overflowed == [str(stuck.pk)]
    assert escalate_due().overflowed == []
    stuck.refresh_from_db()
    assert stuck.queue.name == "General" and stuck.status == "queued"


def test_a_ticket_near_its_due_time_escalates_once(queues) -> None:
    customer = Customer.objects.create(email="t@example.com")
    soon = Ticket.objects.create(subject="call back", customer=customer, due_at=timezone.now() + timedelta(minutes=30))
    later = Ticket.objects.create(subject="later", customer=customer, due_at=timezone.now() + timedelta(days=2))
    assert escalate_due().tickets == [soon.pk]
    assert escalate_due().tickets == []
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.get_priority_display() == "urgent" and soon.escalated_at and later.escalated_at is None


def test_periodic_rules_run_over_waiting_conversations(queues) -> None:
    rules_import(
        [
            {
                "name": "VIPs never wait 5 minutes",
                "stage": "periodic",
                "order": 1,
                "enabled": True,
                "stop_after": False,
                "conditions": {
                    "match": "all",
                    "items": [
                        {"type": "tier_in", "tiers": ["vip"]},
                        {"type": "queue_wait_longer_than", "seconds": 300},
                    ],
                },
                "actions": [{"type": "set_priority", "priority": "urgent"}],
            }
        ]
    )
    forget()
    Customer.objects.create(email="v@example.com", tier="vip")
    vip, regular = waiting(6, email="v@example.com"), waiting(6)
    assert escalate_due().ruled == [str(vip.pk)]
    assert escalate_due().ruled == []  # each periodic rule fires once per conversation
    vip.refresh_from_db()
    regular.refresh_from_db()
    assert vip.get_priority_display() == "urgent" and regular.get_priority_display() == "normal"


def test_escalate_due_command(queues) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("escalate_due", stdout=out)
    assert "raised 0, overflowed 0, tickets escalated 0" in out.getvalue()


def test_without_periodic_rules_the_sweep_reads_nothing_per_waiting_chat(queues) -> None:
    """No periodic rule enabled (the shipped set has none): the minute's sweep gathers no facts
    and takes no lock for each waiting conversation."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    waiting(1)
    with CaptureQueriesContext(connection) as one:
        escalate_due()
    waiting(1), waiting(1), waiting(1)
    with CaptureQueriesContext(connection) as four:
        escalate_due()
    assert len(four) == len(one)
