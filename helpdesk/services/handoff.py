"""From the bot to a human queue: the request, the handoff, and what the customer and the
queue's agents hear when a conversation (re)joins a queue."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..infrastructure import events, realtime
from ..infrastructure.locks import lock_conversation
from ..models import (
    Conversation,
    ConversationEvent,
    ConversationStatus,
    EventKind,
    Priority,
    Queue,
)
from ..selectors.conversations import conversation_packet_by_id
from ..selectors.queues import online_capacity, queue_position, queue_wait_estimate
from .lifecycle import push_queue_positions, set_status
from .messages import system_say

# The value is what the customer's bubble shows when they pick it: a sentence, not a code.
CALLBACK_OPTION = {"label": "Request a callback", "value": "Request a callback"}


def humanize_wait(seconds: int) -> str:
    if seconds < 90:
        return "about a minute"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} minutes"
    hours = round(minutes / 60)
    return "about an hour" if hours == 1 else f"about {hours} hours"


def conversation_request_handoff(
    *,
    conversation_id: uuid.UUID | str,
    trigger: str,
    actor_type: str,
    queue_name: str | None = None,
    priority: int | None = None,
) -> bool:
    """Ask for a human. Routing (a subscriber) picks the queue and calls `conversation_handoff`.

    Returns False when the conversation is not with the bot (already waiting, with an agent,
    or ended): asking twice does nothing.
    """
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        if conversation.status != ConversationStatus.BOT:
            return False
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.HANDOFF_REQUESTED,
            actor_type=actor_type,
            new_value=trigger,
            data={"queue": queue_name, "priority": priority},
        )
        events.publish(
            "conversation.handoff_requested",
            conversation_id=str(conversation.pk),
            trigger=trigger,
            queue_name=queue_name,
            priority=priority,
        )
    return True


def default_queue() -> Queue:
    queue = (
        Queue.objects.filter(is_default=True).first()
        or Queue.objects.filter(name=settings.HELPDESK_DEFAULT_QUEUE).first()
    )
    if queue is None:
        queue, _ = Queue.objects.get_or_create(name=settings.HELPDESK_DEFAULT_QUEUE, defaults={"is_default": True})
    return queue


def conversation_handoff(
    *,
    conversation_id: uuid.UUID | str,
    queue: Queue,
    trigger: str,
    priority: int | None = None,
    actor_type: str = "system",
    rule_trigger: str | None = None,
) -> bool:
    """Move a conversation from the bot into a human queue. False if it is not with the bot.
    `priority` only raises it; `rule_trigger`: an on_handoff rule that chose the queue names
    why, logged beside the trigger that asked (which stays the conversation's)."""
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        if conversation.status != ConversationStatus.BOT:
            return False
        now = timezone.now()
        conversation.queue = queue
        conversation.queued_at = now
        fields = ["queue", "queued_at"]
        if priority is not None and priority > conversation.priority:
            conversation.priority = priority
            fields.append("priority")
        if conversation.first_handoff_at is None:
            # The first handoff's trigger is the one analytics splits escalations by.
            conversation.first_handoff_at = now
            conversation.handoff_trigger = trigger
            fields += ["first_handoff_at", "handoff_trigger"]
        conversation.save(update_fields=fields)
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.HANDOFF,
            actor_type=actor_type,
            old_value=ConversationStatus.BOT,
            new_value=queue.name,
            data={
                "trigger": trigger,
                "queue": queue.name,
                "priority": Priority(conversation.priority).label,
                **({"rule_trigger": rule_trigger} if rule_trigger else {}),
            },
        )
        set_status(conversation, ConversationStatus.QUEUED, actor_type=actor_type)
        announce_queue(conversation, intro=f"I'm connecting you with our {queue.name} team")
    return True


def announce_queue(conversation: Conversation, *, intro: str) -> None:
    """The customer hears where they are and how long it is likely to take; the queue's agents
    get the packet. Inside the transaction."""
    position = queue_position(conversation)
    wait = queue_wait_estimate(conversation.queue, position)
    agents_online, _, _ = online_capacity(conversation.queue)
    collected = conversation.collected or {}
    if collected.get("order_number"):
        also = " and the damage" if collected.get("damage") else ""
        intro = f"I've noted your order {collected['order_number']}{also}. {intro}"
    options: list[dict[str, str]] = []
    if agents_online == 0:
        # Nobody there: a wait estimate would be a promise nobody keeps. The callback first.
        body = (
            f"{intro}. Nobody from the team is online right now, so I can't promise how long it will "
            "take. Leave your email and we'll get back to you, or keep writing here: everything you "
            "add will be seen."
        )
        options = [CALLBACK_OPTION]
    else:
        body = (
            f"{intro}. You're number {position} in line — {humanize_wait(wait)}. "
            "You can keep writing here; everything you add will be seen."
        )
        if wait > conversation.queue.callback_after_seconds:
            # A long wait: let the customer leave instead of waiting.
            body += " If you'd rather not wait, we can get back to you by email."
            options = [CALLBACK_OPTION]
    system_say(conversation_id=conversation.pk, body=body, options=options)
    realtime.after_commit(
        realtime.customer_frame,
        conversation.pk,
        {
            "type": "handoff",
            "queue": conversation.queue.name,
            "agent_name": None,
            "position": position,
            "estimated_wait_seconds": wait,
            "agents_online": agents_online,  # beyond the contract: 0 and the page promises no wait
        },
    )
    realtime.after_commit(_push_queued, conversation.pk, conversation.queue_id)
    realtime.desk_changed()  # a transfer between queues changes no status
    # Routing assigns it to a free agent, if there is one (after the pushes above).
    events.publish("conversation.queued", conversation_id=str(conversation.pk), queue_id=conversation.queue_id)


def _push_queued(conversation_id: uuid.UUID, queue_id: int) -> None:
    packet = conversation_packet_by_id(conversation_id)
    realtime.agents_frame(realtime.queue_audience(queue_id), {"type": "conversation.queued", "conversation": packet})
    push_queue_positions(queue_id, conversation_id)
