"""Agents rate the bot's handling; a correction teaches the next training run."""

from __future__ import annotations

import uuid

from django.db import transaction

from ..errors import ServiceError
from ..infrastructure import events
from ..models import AgentProfile, BotRating, Conversation, ConversationEvent, EventKind


def conversation_rate_bot(
    *, conversation_id: uuid.UUID | str, agent: AgentProfile, helpful: object, correct_intent: object = None
) -> BotRating:
    if not isinstance(helpful, bool):
        raise ServiceError("bad_frame", "rating must be 'up' or 'down'.")
    if correct_intent is not None and (not isinstance(correct_intent, str) or len(correct_intent) > 60):
        raise ServiceError("bad_frame", "intent must be an intent name.")
    conversation = Conversation.objects.get(pk=conversation_id)
    if conversation.first_handoff_at is None:
        raise ServiceError("invalid_state", "Only a conversation the bot handed over can be rated.")
    with transaction.atomic():
        rating, _ = BotRating.objects.update_or_create(
            conversation=conversation,
            agent=agent.user,
            defaults={
                "helpful": helpful,
                "predicted_intent": conversation.intent,
                "correct_intent": (correct_intent or "").strip(),
            },
        )
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.BOT_RATED,
            actor_type="agent",
            actor=agent.user,
            new_value="up" if helpful else "down",
            data={"predicted": conversation.intent, "correct": rating.correct_intent},
        )
        if rating.correct_intent and rating.correct_intent != conversation.intent:
            # bots turns the correction into a training example (it owns intents).
            events.publish("bot.corrected", conversation_id=str(conversation.pk), intent=rating.correct_intent)
    return rating
