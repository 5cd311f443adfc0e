"""A conversation moved between queues: by its agent, by escalation's overflow or a rule, or
back to its queue when its agent vanished."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..errors import PermissionDenied, ServiceError
from ..frames import conversation_summary
from ..infrastructure import realtime
from ..infrastructure.locks import lock_agent, lock_conversation
from ..models import (
    AgentProfile,
    Conversation,
    ConversationEvent,
    ConversationStatus,
    EventKind,
    Presence,
    Queue,
)
from .claims import agent_may_work, holder_or_supervisor_check
from .handoff import announce_queue
from .lifecycle import push_queue_positions, release_agent, set_status
from .messages import assert_status


def _push_left_queue(conversation_id: uuid.UUID, queue_id: int) -> None:
    conversation = Conversation.objects.select_related("queue", "customer", "agent__agent").get(pk=conversation_id)
    realtime.agents_frame(
        [realtime.queue_group(queue_id)],
        {"type": "conversation.updated", "conversation": conversation_summary(conversation)},
    )
    push_queue_positions(queue_id, None)


def conversation_transfer(*, conversation_id: uuid.UUID | str, actor: AgentProfile, queue_name: str) -> Conversation:
    queue = Queue.objects.filter(name__iexact=(queue_name or "").strip()).first()
    if queue is None:
        raise ServiceError("unknown_queue", f"There is no queue named {queue_name!r}.")
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        assert_status(conversation, ConversationStatus.ASSIGNED, ConversationStatus.QUEUED)
        if conversation.status == ConversationStatus.ASSIGNED:
            holder_or_supervisor_check(actor, conversation)
        elif not agent_may_work(actor, conversation):
            raise PermissionDenied()
        old_queue = conversation.queue
        old_agent = conversation.agent_id
        # Status first: the row may not be `assigned` without an agent, even for a statement.
        set_status(conversation, ConversationStatus.QUEUED, actor_type="agent", actor=actor.user)
        conversation.queue = queue
        conversation.agent = None
        conversation.queued_at = timezone.now()
        conversation.save(update_fields=["queue", "agent", "queued_at"])
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.TRANSFERRED,
            actor_type="agent",
            actor=actor.user,
            old_value=old_queue.name if old_queue else "",
            new_value=queue.name,
            data={"from_agent": old_agent, "to_queue": queue.name},
        )
        if old_queue is not None and old_queue.pk != queue.pk:
            # The old queue's inboxes drop it and its waiting customers move up.
            realtime.after_commit(_push_left_queue, conversation.pk, old_queue.pk)
        if old_agent:
            release_agent(old_agent, conversation.pk, ConversationStatus.QUEUED)
        announce_queue(conversation, intro=f"I'm transferring you to our {queue.name} team")
    return conversation


def conversation_transfer_by_system(
    *, conversation_id: uuid.UUID | str, queue_id: int, reason: str = "overflow"
) -> Conversation:
    """Move a waiting conversation to another queue (overflow, or a periodic rule), keeping its
    place by wait."""
    queue = Queue.objects.get(pk=queue_id)
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        assert_status(conversation, ConversationStatus.QUEUED)
        old_queue = conversation.queue
        conversation.queue = queue
        conversation.save(update_fields=["queue"])
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.TRANSFERRED,
            actor_type="system",
            old_value=old_queue.name if old_queue else "",
            new_value=queue.name,
            data={"reason": reason, "to_queue": queue.name},
        )
        if old_queue is not None:
            realtime.after_commit(_push_left_queue, conversation.pk, old_queue.pk)
        announce_queue(conversation, intro=f"To get you help sooner, I'm moving you to our {queue.name} team")
    return conversation


def conversation_requeue_from_offline_agent(*, conversation_id: uuid.UUID | str, agent_user_id: int) -> bool:
    """Put a chat back in its queue, at its old place, because its agent went offline while
    holding it and has stayed away the queue's `offline_requeue_seconds`. The customer hears it
    and routing gives it to the next free agent. False, doing nothing, when that no longer holds
    (the agent came back, someone else acted first)."""
    with transaction.atomic():
        # Agent before conversation: the order conversation_accept takes them in.
        profile = lock_agent(agent_user_id)
        conversation = lock_conversation(conversation_id)
        if not (
            conversation.status == ConversationStatus.ASSIGNED
            and conversation.agent_id == agent_user_id
            and offline_long_enough(profile, conversation, timezone.now())
        ):
            return False
        set_status(conversation, ConversationStatus.QUEUED, actor_type="system")
        conversation.agent = None
        conversation.save(update_fields=["agent"])  # queued_at stands: it keeps its place
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.TRANSFERRED,
            actor_type="system",
            old_value=conversation.queue.name,
            new_value=conversation.queue.name,
            data={"reason": "agent_offline", "from_agent": agent_user_id, "to_queue": conversation.queue.name},
        )
        release_agent(agent_user_id, conversation.pk, ConversationStatus.QUEUED)
        announce_queue(
            conversation,
            intro=f"{profile.display_name} has lost their connection, so I'm putting you back in line "
            f"for our {conversation.queue.name} team",
        )
    return True


def offline_long_enough(profile: AgentProfile, conversation: Conversation, now: datetime) -> bool:
    """The agent went offline after taking this chat (an agent working only over the API was
    never online for it) and has been away at least the queue's `offline_requeue_seconds`."""
    seconds = conversation.queue.offline_requeue_seconds if conversation.queue_id else None
    since = profile.presence_changed_at
    return (
        seconds is not None
        and profile.presence == Presence.OFFLINE
        and since is not None
        and conversation.assigned_at is not None
        and since > conversation.assigned_at
        and (now - since).total_seconds() >= seconds
    )
