"""The facts the rules decide on, built by one function for every stage.

On a customer message (`on_message`) the bot passes the model's reading of it; at the handoff
(`on_handoff`) and while a conversation waits (`periodic`) the conversation's own latest
reading stands in. Everything else (the customer's tier and history, the bot's failed turns,
the channel, business hours, the wait) is read from the conversation the same way at every
stage, so a condition means the same thing wherever a supervisor puts it. The admin's dry run
has no conversation: it passes `Assumed`, what the supervisor says of an imagined customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from helpdesk.models import Conversation, Message, Queue, Sender
from helpdesk.selectors.queues import inside_business_hours

from .rules.engine import Facts


@dataclass(frozen=True)
class MessageReading:
    """What the model read in one customer message."""

    text: str
    intent: str
    intent_confidence: float
    intent_queue: str | None  # the intent's own queue, where it has one
    sentiment: str
    sentiment_score: float


@dataclass(frozen=True)
class Assumed:
    """An imagined customer for the dry run: what the desk would otherwise read from the
    conversation."""

    tier: str = "standard"
    recent_conversations: int = 0  # others in the last 7 days
    bot_failures: int = 0  # turns the bot already missed
    negative_streak: int = 0  # negative messages in a row before this one
    channel: str = "web"
    page_url: str = ""


def facts_for(
    *,
    conversation: Conversation | None = None,
    reading: MessageReading | None = None,
    message_id: int | None = None,
    queue_name: str | None = None,
    assumed: Assumed | None = None,
    now: datetime | None = None,
) -> Facts:
    """The facts for one decision. `reading`: the message being decided (on_message);
    `message_id`: its id, so the streak counts only messages before it; `queue_name`: the queue
    asked for (on_handoff), else the intent's or the conversation's own."""
    now = now or timezone.now()
    if conversation is None:
        return _imagined(reading, assumed or Assumed(), queue_name)
    customer = conversation.customer
    if reading is None:
        reading = _latest_reading(conversation)
    queue = queue_name or reading.intent_queue or (conversation.queue.name if conversation.queue_id else None)
    ages = tuple(
        (now - created).total_seconds() / 86400
        for created in Conversation.objects.filter(customer_id=customer.pk).values_list("created_at", flat=True)
    )
    waited = (now - conversation.queued_at).total_seconds() if conversation.queued_at else 0.0
    return _facts(
        reading,
        queue,
        negative_streak=_negative_streak(conversation, reading, message_id),
        tier=customer.tier,
        conversation_ages_days=ages,
        bot_failures=conversation.bot_failures,
        channel=conversation.channel,
        page_url=conversation.page_url,
        queue_wait_seconds=waited,
    )


def _imagined(reading: MessageReading | None, assumed: Assumed, queue_name: str | None) -> Facts:
    reading = reading or MessageReading("", "", 0.0, None, "neutral", 0.0)
    negative = reading.sentiment == "negative"
    queue = queue_name or reading.intent_queue
    return _facts(
        reading,
        queue,
        negative_streak=assumed.negative_streak + 1 if negative else 0,
        tier=assumed.tier,
        conversation_ages_days=tuple([0.0] + [1.0] * assumed.recent_conversations),
        bot_failures=assumed.bot_failures,
        channel=assumed.channel,
        page_url=assumed.page_url,
    )


def _facts(reading: MessageReading, queue: str | None, **known: Any) -> Facts:
    """The reading's part of the facts, the queue's business hours, and what the caller knows."""
    return Facts(
        text=reading.text,
        intent=reading.intent,
        intent_confidence=reading.intent_confidence,
        intent_queue=queue,
        sentiment=reading.sentiment,
        sentiment_score=reading.sentiment_score,
        inside_business_hours=_inside_hours(queue),
        **known,
    )


def _latest_reading(conversation: Conversation) -> MessageReading:
    """Outside a message: the conversation's latest reading, and its last customer words."""
    last = (
        Message.objects.filter(conversation=conversation, sender=Sender.CUSTOMER, internal=False)
        .order_by("-id")
        .values_list("body", flat=True)
        .first()
    )
    return MessageReading(
        text=last or "",
        intent=conversation.intent,
        intent_confidence=conversation.intent_confidence,
        intent_queue=None,
        sentiment=conversation.sentiment,
        sentiment_score=conversation.sentiment_score,
    )


def _negative_streak(conversation: Conversation, reading: MessageReading, message_id: int | None) -> int:
    """Consecutive negative customer messages, ending with the one read. On a message its own
    reading is `reading` (the bot's turn stores it only with its answer); the earlier ones are
    read from their messages."""
    if reading.sentiment != "negative":
        return 0
    earlier = Message.objects.filter(conversation=conversation, sender=Sender.CUSTOMER)
    streak = 1
    if message_id is not None:
        earlier = earlier.filter(pk__lt=message_id)
    else:
        streak = 0  # the latest message's stored reading is among those read below
    for data in earlier.order_by("-id").values_list("data", flat=True)[:10]:
        if ((data or {}).get("prediction") or {}).get("sentiment") != "negative":
            break
        streak += 1
    return max(streak, 1)


def _inside_hours(queue_name: str | None) -> bool:
    queue = Queue.objects.filter(name=queue_name or "General").only("business_hours").first()
    return inside_business_hours(queue)
