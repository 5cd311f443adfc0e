"""Routing's reactions to kernel events (wired in settings.HELPDESK_EVENT_SUBSCRIBERS)."""

from __future__ import annotations

from typing import Any

from helpdesk.models import Conversation, CustomerTier, Priority, Queue
from helpdesk.services.handoff import conversation_handoff, default_queue


def on_handoff_requested(payload: dict[str, Any]) -> None:
    """Pick the queue and priority for a conversation that asked for a human.

    The named queue if one was given, else the conversation's own, else the default queue.
    VIP and enterprise customers wait at high priority.
    """
    conversation = Conversation.objects.select_related("customer", "queue").get(pk=payload["conversation_id"])
    queue = None
    if payload.get("queue_name"):
        queue = Queue.objects.filter(name__iexact=payload["queue_name"]).first()
    queue = queue or conversation.queue or default_queue()
    priority = payload.get("priority")
    if priority is None and conversation.customer.tier in (CustomerTier.VIP, CustomerTier.ENTERPRISE):
        priority = Priority.HIGH
    conversation_handoff(conversation_id=conversation.pk, queue=queue, trigger=payload["trigger"], priority=priority)


def on_conversation_queued(payload: dict[str, Any]) -> None:
    from .assignment import assign_waiting_conversation

    assign_waiting_conversation(conversation_id=payload["conversation_id"])


def on_agent_available(payload: dict[str, Any]) -> None:
    """An agent freed a slot or came online: give them the next waiting conversations."""
    from .assignment import assign_next_to_agent

    assign_next_to_agent(user_id=payload["user_id"])
