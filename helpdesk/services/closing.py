"""The end of a human's part: resolved (with the CSAT request), or handed back to the bot."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ..infrastructure import events, realtime
from ..infrastructure.locks import lock_conversation
from ..models import (
    AgentProfile,
    Conversation,
    ConversationEvent,
    ConversationStatus,
    EventKind,
    Message,
)
from .claims import holder_or_supervisor_check
from .lifecycle import release_agent, set_status
from .messages import assert_status, bot_say, system_say


def conversation_resolve(
    *, conversation_id: uuid.UUID | str, actor: AgentProfile | None, actor_type: str = "agent"
) -> Conversation:
    """Resolve, and ask the customer for a rating."""
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        if actor is not None:
            assert_status(conversation, ConversationStatus.ASSIGNED, ConversationStatus.QUEUED, ConversationStatus.BOT)
            holder_or_supervisor_check(actor, conversation)
        else:
            assert_status(conversation, ConversationStatus.BOT)
        resolve_locked(conversation, actor_type=actor_type, user=actor.user if actor else None)
    return conversation


def resolve_locked(conversation: Conversation, *, actor_type: str, user: AbstractBaseUser | None = None) -> None:
    """Inside a transaction holding the conversation's lock, its status checked: resolved, the
    agent's slot freed, the customer asked for a rating."""
    previous_agent = conversation.agent_id
    now = timezone.now()
    conversation.resolved_at = now
    conversation.csat_requested_at = now
    last = Message.objects.filter(conversation=conversation, sender="customer").order_by("-id").values("data").first()
    reading = ((last or {}).get("data") or {}).get("prediction") or {}
    conversation.sentiment_at_resolution = reading.get("sentiment_score")
    conversation.save(update_fields=["resolved_at", "csat_requested_at", "sentiment_at_resolution"])
    ConversationEvent.objects.create(
        conversation=conversation,
        kind=EventKind.RESOLVED,
        actor_type=actor_type,
        actor=user,
        old_value=conversation.status,
    )
    set_status(conversation, ConversationStatus.RESOLVED, actor_type=actor_type, actor=user)
    system_say(conversation_id=conversation.pk, body="This conversation is resolved. Thank you for contacting us!")
    ConversationEvent.objects.create(conversation=conversation, kind=EventKind.CSAT_REQUESTED, actor_type="system")
    realtime.after_commit(realtime.customer_frame, conversation.pk, {"type": "csat_request", "scale": 5})
    if previous_agent:
        release_agent(previous_agent, conversation.pk, ConversationStatus.RESOLVED)


def conversation_handback(*, conversation_id: uuid.UUID | str, actor: AgentProfile) -> Conversation:
    """The agent returns the conversation to the bot, e.g. to confirm and close."""
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        assert_status(conversation, ConversationStatus.ASSIGNED)
        holder_or_supervisor_check(actor, conversation)
        previous_agent = conversation.agent_id
        ConversationEvent.objects.create(
            conversation=conversation, kind=EventKind.HANDED_BACK, actor_type="agent", actor=actor.user
        )
        set_status(conversation, ConversationStatus.BOT, actor_type="agent", actor=actor.user)
        conversation.agent = None
        conversation.handed_back_at = timezone.now()
        conversation.bot_failures = 0  # a fresh start with the bot, not one failure from a handoff
        conversation.save(update_fields=["agent", "handed_back_at", "bot_failures"])
        # Published before the bot speaks: after commit, subscribers run (the bot notes that the
        # customer has had their answer) before the message below is pushed, so a customer who
        # clicks "That's all, thanks" at once is never read against the older state.
        events.publish("conversation.handed_back", conversation_id=str(conversation.pk))
        bot_say(
            conversation_id=conversation.pk,
            body="You're back with the automated assistant. Is there anything else I can help with? "
            "You can ask for a person again at any time.",
            options=[
                {"label": "That's all, thanks", "value": "That's all, thanks"},
                {"label": "Talk to a person", "value": "agent"},
            ],
            locked=conversation,
        )
        release_agent(previous_agent, conversation.pk, ConversationStatus.BOT)
    return conversation
