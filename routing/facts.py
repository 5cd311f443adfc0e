"""The facts the rules decide on, built by one function for every stage.

On a customer message (`on_message`) the bot passes the model's reading of it; at the handoff
(`on_handoff`) and while a conversation waits (`periodic`) the conversation's own latest
reading stands in. Everything else (the customer's tier and history, the bot's failed turns,
the channel, business hours, the wait) is read from the conversation the same way at every
stage, so a condition means the same thing wherever a supervisor puts it. The admin's dry run
has no conversation: it passes `Assumed`, what the supervisor says of an imagined customer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from helpdesk.infrastructure.prepared import Prepared
from helpdesk.models import Conversation, Message, Queue, Sender
from helpdesk.selectors.queues import inside_business_hours

from .decisions import stage_asks
from .rules.engine import Facts
from .rules.schema import MAX_TURNS


@dataclass(frozen=True)
class MessageReading:
    """What the model read in one customer message."""

    text: str
    intent: str
    intent_confidence: float
    intent_queue: str | None  # the intent's own queue, where it has one
    sentiment: str
    sentiment_score: float
    emotions: Mapping[str, float] = field(default_factory=dict)
    frustration: float | None = None  # None: no emotion head read it


@dataclass(frozen=True)
class Assumed:
    """An imagined customer for the dry run: what the desk would otherwise read from the
    conversation."""

    tier: str = "standard"
    recent_conversations: int = 0  # others in the last 7 days
    bot_failures: int = 0  # turns the bot already missed
    negative_streak: int = 0  # negative messages in a row before this one
    frustration_course: tuple[float, ...] = ()  # the frustration of the messages before this one, oldest first
    channel: str = "web"
    page_url: str = ""


# The customer's history, asked on every message while a rule reads it (the shipped "Repeat
# contact skips the bot" does): compiled once per process.
_CUSTOMER_CONVERSATIONS = Prepared(
    lambda customer_id: Conversation.objects.filter(customer_id=customer_id).only("created_at"), customer_id=int
)


def facts_for(
    *,
    conversation: Conversation | None = None,
    reading: MessageReading | None = None,
    message_id: int | None = None,
    queue_name: str | None = None,
    assumed: Assumed | None = None,
    now: datetime | None = None,
    stage: str | None = None,
    earlier: list[tuple[str, dict]] | None = None,
) -> Facts:
    """The facts for one decision. `reading`: the message being decided (on_message);
    `message_id`: its id, so the streak counts only messages before it; `earlier`: those
    messages' words and readings, when the caller read them already (`earlier_readings_column`);
    `queue_name`: the queue asked for (on_handoff), else the intent's or the conversation's own.
    `stage`: the rules that will read the facts; the customer's history and the queue's
    business hours, each a query, are looked up only when one of them asks (else they keep
    Facts' defaults)."""
    now = now or timezone.now()
    if conversation is None:
        return _imagined(reading, assumed or Assumed(), queue_name)
    customer = conversation.customer
    if earlier is None:
        earlier = _earlier_readings(conversation, message_id)
    if reading is None:
        reading = _latest_reading(conversation, earlier)
    queue = queue_name or reading.intent_queue or (conversation.queue.name if conversation.queue_id else None)
    ages = (
        tuple(
            (now - other.created_at).total_seconds() / 86400
            for other in _CUSTOMER_CONVERSATIONS.all(customer_id=customer.pk)
        )
        if _asks(stage, "recent_conversations_at_least")
        else ()
    )
    waited = (now - conversation.queued_at).total_seconds() if conversation.queued_at else 0.0
    return _facts(
        reading,
        queue,
        negative_streak=_negative_streak(reading, earlier, on_message=message_id is not None),
        frustration_course=_course(reading, earlier, on_message=message_id is not None),
        tier=customer.tier,
        conversation_ages_days=ages,
        bot_failures=conversation.bot_failures,
        channel=conversation.channel,
        page_url=conversation.page_url,
        queue_wait_seconds=waited,
        hours=_asks(stage, "business_hours"),
    )


def _imagined(reading: MessageReading | None, assumed: Assumed, queue_name: str | None) -> Facts:
    reading = reading or MessageReading("", "", 0.0, None, "neutral", 0.0)
    negative = reading.sentiment == "negative"
    queue = queue_name or reading.intent_queue
    return _facts(
        reading,
        queue,
        negative_streak=assumed.negative_streak + 1 if negative else 0,
        frustration_course=(
            (*assumed.frustration_course, reading.frustration)
            if reading.frustration is not None
            else assumed.frustration_course
        )[-MAX_TURNS:],
        tier=assumed.tier,
        conversation_ages_days=tuple([0.0] + [1.0] * assumed.recent_conversations),
        bot_failures=assumed.bot_failures,
        channel=assumed.channel,
        page_url=assumed.page_url,
    )


def _asks(stage: str | None, condition_type: str) -> bool:
    return stage is None or stage_asks(stage, condition_type)


def _facts(reading: MessageReading, queue: str | None, *, hours: bool = True, **known: Any) -> Facts:
    """The reading's part of the facts, the queue's business hours (`hours`: looked up), and
    what the caller knows."""
    return Facts(
        text=reading.text,
        intent=reading.intent,
        intent_confidence=reading.intent_confidence,
        intent_queue=queue,
        sentiment=reading.sentiment,
        sentiment_score=reading.sentiment_score,
        emotions=reading.emotions,
        frustration=reading.frustration,
        inside_business_hours=_inside_hours(queue) if hours else True,
        **known,
    )


def _earlier_readings(conversation: Conversation, message_id: int | None) -> list[tuple[str, dict]]:
    """The last customer messages' words and stored readings, newest first: before the message
    decided on (on_message: its own reading is the caller's, the bot's turn stores it only with
    its answer), else the latest ones. One query serves the latest words, the negative streak
    and the frustration course."""
    messages = Message.objects.filter(conversation=conversation, sender=Sender.CUSTOMER, internal=False)
    if message_id is not None:
        messages = messages.filter(pk__lt=message_id)
    rows = messages.order_by("-id").values_list("body", "data")[:MAX_TURNS]
    return [(body, (data or {}).get("prediction") or {}) for body, data in rows]


def earlier_readings_column() -> RawSQL:
    """`_earlier_readings` of a message, as a column of a query over messages: the customer's
    words and stored readings before it (a JSON array). The bot's turn reads them with the
    message itself, so its facts cost no statement of their own; `earlier_readings_from`
    turns the column into `facts_for`'s `earlier`. Plain SQL for PostgreSQL and SQLite."""
    table = Message._meta.db_table
    before = (
        f"SELECT e1.id, e1.body, e1.data FROM {table} e1 WHERE e1.conversation_id = {table}.conversation_id"
        f" AND e1.sender = %s AND NOT e1.internal AND e1.id < {table}.id ORDER BY e1.id DESC LIMIT %s"
    )
    if connection.vendor == "postgresql":
        rows = "COALESCE(json_agg(json_build_array(e.id, e.body, e.data -> 'prediction')), '[]'::json)::text"
    else:
        rows = "json_group_array(json_array(e.id, e.body, json_extract(e.data, '$.prediction')))"
    return RawSQL(f"(SELECT {rows} FROM ({before}) e)", (Sender.CUSTOMER, MAX_TURNS), output_field=TextField())


def earlier_readings_from(column: str | None) -> list[tuple[str, dict]]:
    """The column above as `_earlier_readings` gives it: (words, reading), newest first."""
    rows = sorted(json.loads(column or "[]"), key=lambda row: row[0], reverse=True)
    earlier = []
    for _, body, prediction in rows:
        if isinstance(prediction, str):  # SQLite may pass a nested object on as its text
            prediction = json.loads(prediction)
        earlier.append((body, prediction or {}))
    return earlier


def _latest_reading(conversation: Conversation, earlier: list[tuple[str, dict]]) -> MessageReading:
    """Outside a message: the conversation's latest reading (intent and sentiment as the
    conversation keeps them, emotions and frustration of its last customer message), and its
    last customer words."""
    text, prediction = earlier[0] if earlier else ("", {})
    return MessageReading(
        text=text,
        intent=conversation.intent,
        intent_confidence=conversation.intent_confidence,
        intent_queue=None,
        sentiment=conversation.sentiment,
        sentiment_score=conversation.sentiment_score,
        emotions=prediction.get("emotions") or {},
        frustration=prediction.get("frustration"),
    )


def _negative_streak(reading: MessageReading, earlier: list[tuple[str, dict]], *, on_message: bool) -> int:
    """Consecutive negative customer messages, ending with the one read. On a message its own
    reading is `reading` and `earlier` the ones before it; outside one, the latest stored
    reading is the first of `earlier`."""
    if reading.sentiment != "negative":
        return 0
    streak = 1 if on_message else 0
    for _, prediction in earlier:
        if prediction.get("sentiment") != "negative":
            break
        streak += 1
    return max(streak, 1)


def _course(reading: MessageReading, earlier: list[tuple[str, dict]], *, on_message: bool) -> tuple[float, ...]:
    """The frustration of the last customer messages, oldest first, ending with the one read
    (`frustration_rising` compares the latest with those before it)."""
    stored = [p["frustration"] for _, p in reversed(earlier) if p.get("frustration") is not None]
    if on_message and reading.frustration is not None:
        stored.append(reading.frustration)
    return tuple(stored[-MAX_TURNS:])


def _inside_hours(queue_name: str | None) -> bool:
    queue = Queue.objects.filter(name=queue_name or "General").only("business_hours").first()
    return inside_business_hours(queue)
