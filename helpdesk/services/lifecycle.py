"""Status changes and the pushes every status change owes its audience."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from ..frames import conversation_summary
from ..infrastructure import events, realtime
from ..infrastructure.prepared import Prepared
from ..models import AnswerOutcome, Conversation, ConversationEvent, ConversationStatus, EventKind
from ..selectors.queues import queue_wait_estimate, queued_in_order
from .kb import kb_answer_outcome


def set_status(
    conversation: Conversation, status: str, *, actor_type: str, actor: AbstractBaseUser | None = None
) -> None:
    """Inside a transaction holding the conversation's lock (see helpdesk.infrastructure.locks)."""
    old = conversation.status
    if old == status:
        return
    conversation.status = status
    conversation.status_changed_at = timezone.now()
    conversation.save(update_fields=["status", "status_changed_at", "updated_at"])
    ConversationEvent.objects.create(
        conversation=conversation,
        kind=EventKind.STATUS,
        actor_type=actor_type,
        actor=actor,
        old_value=old,
        new_value=status,
    )
    if old == ConversationStatus.BOT:
        # The bot's knowledge-base answers still waiting for the customer's word: a person
        # took over after them, or the customer left (content performance, metrics.md).
        outcome = AnswerOutcome.HANDED_OFF if status == ConversationStatus.QUEUED else AnswerOutcome.LEFT
        kb_answer_outcome(conversation_id=conversation.pk, outcome=outcome)
    realtime.after_commit(realtime.customer_frame, conversation.pk, {"type": "status", "status": status})
    realtime.after_commit(push_conversation_updated, conversation.pk)
    if old == "queued" and conversation.queue_id:
        realtime.after_commit(push_queue_positions, conversation.queue_id, None)
    if {old, status} & {ConversationStatus.QUEUED, ConversationStatus.ASSIGNED}:
        # A queue's line or an agent's load moved (a chat with the bot ending does neither).
        realtime.desk_changed()


def release_agent(user_id: int | None, conversation_id: uuid.UUID, status: str) -> None:
    """Inside a transaction: the agent no longer holds this conversation. Their inbox hears it,
    and (after commit) routing may give them the next waiting one."""
    if not user_id:
        return
    realtime.after_commit(realtime.agent_unassigned, user_id, conversation_id, status)
    events.publish("agent.available", user_id=user_id)


# The list row pushed after nearly every change of a conversation (each bot turn's answer among
# them): compiled once per process.
_LIST_ROW = Prepared(
    lambda pk: Conversation.objects.select_related("queue", "customer", "agent__agent").filter(pk=pk), pk=uuid.UUID
)


def push_conversation_updated(conversation_id: uuid.UUID) -> None:
    """After commit: the new state of a conversation to everyone whose inbox lists it."""
    conversation = _LIST_ROW.first(pk=conversation_id)
    if conversation is None:
        raise Conversation.DoesNotExist(f"no conversation {conversation_id}")
    groups = [*realtime.queue_audience(conversation.queue_id), realtime.staff_group(conversation_id)]
    if conversation.agent_id:
        groups.append(realtime.agent_group(conversation.agent_id))
    realtime.agents_frame(groups, {"type": "conversation.updated", "conversation": conversation_summary(conversation)})


def push_queue_positions(queue_id: int, exclude: uuid.UUID | None) -> None:
    """After commit: each waiting customer in the queue learns their place and wait."""
    waiting = queued_in_order(queue_id)
    for position, conversation in enumerate(waiting, start=1):
        if conversation.pk == exclude:
            continue
        realtime.customer_frame(
            conversation.pk,
            {
                "type": "queue",
                "position": position,
                "estimated_wait_seconds": queue_wait_estimate(conversation.queue, position),
            },
        )
