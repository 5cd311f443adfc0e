"""A customer message's reading applied to its conversation: what the inbox lists (intent,
sentiment), and the running sums the scorecard reads (metrics.md). The bot reads; the kernel
keeps what the reading means for the conversation."""

from __future__ import annotations

from typing import Any

from ..infrastructure import realtime
from ..infrastructure.prepared import row_update
from ..models import Conversation, ConversationStatus, Message
from .lifecycle import push_conversation_updated


def reading_apply(*, conversation: Conversation, message: Message, reading: dict[str, Any]) -> list[str]:
    """The model's reading of a customer message (the bot's `prediction_payload`: intent,
    intent_confidence, sentiment, sentiment_score, ...), stored on the message; the
    conversation carries the latest one: sentiment always, intent while the bot has the chat and
    only an in-scope one (an off-topic aside must not erase what the customer came for). Inside the
    caller's transaction holding the conversation's lock; returns the changed fields, unsaved.
    The conversation keeps the exact figures (the scorecard sums them); the message and the
    inbox's frame carry them rounded."""
    payload = {
        **reading,
        "intent_confidence": round(reading["intent_confidence"], 4),
        "sentiment_score": round(reading["sentiment_score"], 4),
    }
    message.data = {**(message.data or {}), "prediction": payload}
    row_update(message, ["data"])
    listed_before = (conversation.intent, conversation.sentiment)
    fields = ["sentiment", "sentiment_score", "updated_at"]
    conversation.sentiment = reading["sentiment"]
    conversation.sentiment_score = reading["sentiment_score"]
    # Once the chat has left the bot, its intent and confidence are the ones it was handed over
    # with, even none (chat-protocol.md §3: the packet does not change with later messages; the
    # agent's bot rating and analytics by intent read it): later messages carry their own
    # reading, they do not relabel the chat.
    with_bot = conversation.status == ConversationStatus.BOT
    if with_bot and payload["intent"] != "out_of_scope":
        if not conversation.first_intent:
            conversation.first_intent = payload["intent"]
            fields.append("first_intent")
        conversation.intent = payload["intent"]
        conversation.intent_confidence = reading["intent_confidence"]
        fields += ["intent", "intent_confidence"]
    elif with_bot and not conversation.intent:
        # Out of scope so far: the confidence says how sure the bot was of that.
        conversation.intent_confidence = reading["intent_confidence"]
        fields.append("intent_confidence")
    _count_sentiment(conversation, message, reading["sentiment_score"], fields)
    realtime.after_commit_for_staff(
        realtime.agents_frame,
        [realtime.staff_group(conversation.pk)],
        {
            "type": "prediction",
            "conversation_id": str(conversation.pk),
            "message_id": str(message.pk),
            "prediction": payload,
        },
    )
    if (conversation.intent, conversation.sentiment) != listed_before:
        # Inbox lists show the intent and the sentiment's label: pushed to the queue's agents
        # only when one of them changed (each push fans out to every agent of the queue). The
        # open conversation takes the exact score from the `prediction` frame above.
        realtime.after_commit_for_staff(push_conversation_updated, conversation.pk)
    return fields


def _count_sentiment(conversation, message: Message, score: float, fields: list[str]) -> None:
    """Keep the scorecard's running sentiment sums (metrics.md): before the first handoff,
    the first three after a human first accepted, and the last reading before resolution."""
    if conversation.first_handoff_at is None or message.created_at < conversation.first_handoff_at:
        conversation.sentiment_before_sum += score
        conversation.sentiment_before_n += 1
        fields += ["sentiment_before_sum", "sentiment_before_n"]
    if (
        conversation.first_assigned_at is not None
        and message.created_at >= conversation.first_assigned_at
        and conversation.sentiment_after_n < 3
    ):
        conversation.sentiment_after_sum += score
        conversation.sentiment_after_n += 1
        fields += ["sentiment_after_sum", "sentiment_after_n"]
    if conversation.resolved_at is not None and message.created_at < conversation.resolved_at:
        # Read after the resolution (a slow worker): still the last one before it?
        later = Message.objects.filter(
            conversation=conversation, sender="customer", pk__gt=message.pk, created_at__lt=conversation.resolved_at
        ).exists()
        if not later:
            conversation.sentiment_at_resolution = score
            fields.append("sentiment_at_resolution")
