"""Routing's reactions to kernel events (wired in settings.HELPDESK_EVENT_SUBSCRIBERS)."""

from __future__ import annotations

from typing import Any

from helpdesk.models import Conversation, Queue
from helpdesk.services.handoff import conversation_handoff, default_queue

from .decisions import carry_out, decide
from .facts import facts_for


def on_handoff_requested(payload: dict[str, Any]) -> None:
    """Pick the queue and priority for a conversation that asked for a human.

    The on_handoff rules run first (routing/decisions.py): their handoff names the queue
    instead of the one asked for, their priority and tags apply. Then the queue asked for,
    else the conversation's own, else the default queue.
    """
    conversation = Conversation.objects.select_related("customer", "queue").get(pk=payload["conversation_id"])
    asked = payload.get("queue_name")
    decision = decide(facts_for(conversation=conversation, queue_name=asked, stage="on_handoff"), stage="on_handoff")
    carry_out(decision, conversation_id=conversation.pk, stage="on_handoff")
    queue = None
    for name in (decision.handoff_queue, asked):
        if name and queue is None:
            queue = Queue.objects.filter(name__iexact=name).first()
    queue = queue or conversation.queue or default_queue()
    conversation_handoff(
        conversation_id=conversation.pk,
        queue=queue,
        trigger=payload["trigger"],
        priority=payload.get("priority"),
        rule_trigger=decision.trigger,
    )


def on_conversation_queued(payload: dict[str, Any]) -> None:
    from .assignment import assign_waiting_conversation

    assign_waiting_conversation(conversation_id=payload["conversation_id"])


def on_agent_available(payload: dict[str, Any]) -> None:
    """An agent freed a slot or came online: give them the next waiting conversations."""
    from .assignment import assign_next_to_agent

    assign_next_to_agent(user_id=payload["user_id"])


def on_demo_seeding(payload: dict[str, Any]) -> None:
    """The shipped rules, added where missing (supervisors' edits are kept)."""
    from .services import seed_demo_hook

    seed_demo_hook(stdout=payload["stdout"])
