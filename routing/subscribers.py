"""Routing's reactions to kernel events (wired in settings.HELPDESK_EVENT_SUBSCRIBERS)."""

from __future__ import annotations

from typing import Any

from helpdesk.models import Conversation, Priority, Queue
from helpdesk.services.handoff import conversation_handoff, default_queue

from .rules.engine import Facts, evaluate
from .rules.loader import active_rules


def on_handoff_requested(payload: dict[str, Any]) -> None:
    """Pick the queue and priority for a conversation that asked for a human.

    The named queue if one was given, else the conversation's own, else the default queue;
    the priority asked for, raised by the on_handoff rules.
    """
    conversation = Conversation.objects.select_related("customer", "queue").get(pk=payload["conversation_id"])
    queue = None
    if payload.get("queue_name"):
        queue = Queue.objects.filter(name__iexact=payload["queue_name"]).first()
    queue = queue or conversation.queue or default_queue()
    priority = payload.get("priority")
    # The on_handoff rules (e.g. "VIP and enterprise customers first") may raise it.
    decision = evaluate(active_rules(), Facts(tier=conversation.customer.tier), stage="on_handoff")
    if decision.priority:
        ranked = Priority[decision.priority.upper()]
        priority = max(priority or 0, ranked)
    conversation_handoff(conversation_id=conversation.pk, queue=queue, trigger=payload["trigger"], priority=priority)


def on_conversation_queued(payload: dict[str, Any]) -> None:
    from .assignment import assign_waiting_conversation

    assign_waiting_conversation(conversation_id=payload["conversation_id"])


def on_agent_available(payload: dict[str, Any]) -> None:
    """An agent freed a slot or came online: give them the next waiting conversations."""
    from .assignment import assign_next_to_agent

    assign_next_to_agent(user_id=payload["user_id"])
