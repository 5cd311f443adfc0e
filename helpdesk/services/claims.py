"""An agent claims a waiting conversation; who may work which."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..errors import PermissionDenied, ServiceError
from ..infrastructure import realtime
from ..infrastructure.locks import lock_agent, lock_conversation
from ..models import (
    AgentProfile,
    Conversation,
    ConversationEvent,
    ConversationStatus,
    EventKind,
)
from .lifecycle import set_status
from .messages import system_say


def agent_may_work(profile: AgentProfile, conversation: Conversation) -> bool:
    return profile.is_supervisor or profile.queues.filter(pk=conversation.queue_id).exists()


def holder_or_supervisor_check(profile: AgentProfile, conversation: Conversation) -> None:
    if conversation.agent_id == profile.user_id or profile.is_supervisor:
        return
    raise PermissionDenied("Only the agent holding this conversation (or a supervisor) may do that.")


def conversation_accept(*, conversation_id: uuid.UUID | str, agent_user_id: int) -> Conversation:
    """An agent claims a waiting conversation.

    Race: two agents accept the same conversation at once. The conditional UPDATE ... WHERE
    status = 'queued' is the claim; exactly one UPDATE changes the row, the other finds it
    already taken. Race: one agent accepts two conversations at once from two tabs. The
    agent's profile row lock makes the capacity check and the claim one step.
    """
    with transaction.atomic():
        profile = lock_agent(agent_user_id)
        conversation = Conversation.objects.filter(pk=conversation_id).select_related("queue").first()
        if conversation is None:
            raise ServiceError("not_found", "No such conversation.")
        if not agent_may_work(profile, conversation):
            raise PermissionDenied("This conversation waits in a queue you do not work.")
        if conversation.status == ConversationStatus.ASSIGNED and conversation.agent_id == agent_user_id:
            # Already yours (routing assigned it as you came online): accepting again is a no-op.
            return conversation
        if conversation.status not in (ConversationStatus.QUEUED, ConversationStatus.ASSIGNED):
            raise ServiceError(
                "invalid_state", f"The conversation is {conversation.status}; only a waiting one can be accepted."
            )
        held = Conversation.objects.filter(agent_id=agent_user_id, status=ConversationStatus.ASSIGNED).count()
        if held >= profile.max_concurrent_chats:
            raise ServiceError("at_capacity", f"You already hold {held} chats, your maximum.")
        now = timezone.now()
        claimed = Conversation.objects.filter(pk=conversation.pk, status=ConversationStatus.QUEUED).update(
            agent_id=agent_user_id,
            assigned_at=now,
            first_assigned_at=Coalesce("first_assigned_at", Value(now)),
        )
        if not claimed:
            raise ServiceError("already_taken", "Someone else took this conversation first.")
        conversation = lock_conversation(conversation.pk)
        profile.last_assigned_at = now
        profile.save(update_fields=["last_assigned_at"])
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.ACCEPTED,
            actor_type="agent",
            actor=profile.user,
            new_value=profile.display_name,
        )
        set_status(conversation, ConversationStatus.ASSIGNED, actor_type="agent", actor=profile.user)
        team = conversation.queue.name if conversation.queue_id else "support"
        system_say(
            conversation_id=conversation.pk, body=f"{profile.display_name} from our {team} team has joined the chat."
        )
        realtime.after_commit(
            realtime.customer_frame, conversation.pk, {"type": "assigned", "agent_name": profile.display_name}
        )
        realtime.after_commit(realtime.agent_assigned, agent_user_id, conversation.pk)
    return conversation
