"""Fail open: no customer message in a bot-held chat goes without an answer.

Whatever breaks behind the bot (a turn that raises, a worker that is gone, a model that will
not load), a customer message it has not answered within HELPDESK_BOT_ANSWER_BOUND_SECONDS is
handed to a person with the trigger `bot_failure` (metrics.md's name for a bot that failed
the customer), and the customer is told why. The
kernel owns this, not the bot: it must work when the bot does not.

Race: the bot answers while the check hands over. Both take the conversation's row lock; the
check hands over only if, under the lock, the chat is still the bot's and its last message is
still the customer's unanswered one. Running the check twice hands over once.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ..infrastructure import realtime
from ..infrastructure.locks import lock_conversation
from ..models import Conversation, ConversationStatus, Message, Sender
from ..models.conversations import OPEN_STATUSES
from .handoff import conversation_request_handoff
from .messages import system_say

logger = logging.getLogger(__name__)

TROUBLE = "I'm having trouble on my side — I'm getting a person for you."
# Messages older than this are left alone: the inactivity sweep has ended those chats.
LOOK_BACK = timedelta(hours=1)
# The bot's workers note here when they take a task; /healthz reads it.
BOT_HEARTBEAT_KEY = "helpdesk:bot-took-a-task-at"
ALERT_EVERY_SECONDS = 60
HEARTBEAT_EVERY_SECONDS = 2.0  # well under any answer bound worth setting


_heartbeat_written = 0.0  # per process: when this process last wrote the heartbeat


def bot_heartbeat() -> None:
    """A bot worker took a task (bots/tasks.py). Written at most every few seconds per process:
    the health check needs the bound's resolution, not a cache round trip on every turn."""
    global _heartbeat_written
    now = time.time()
    if now - _heartbeat_written < HEARTBEAT_EVERY_SECONDS:
        return
    cache.set(BOT_HEARTBEAT_KEY, now, timeout=None)
    _heartbeat_written = now


def conversation_hand_over_unanswered(*, conversation_id: uuid.UUID | str, message_id: int | None = None) -> bool:
    """Hand the chat to a person because the bot could not answer: its turn failed on
    `message_id`, or it did not answer within the bound. False, doing nothing, when the chat is
    no longer the bot's, or its last message is no longer that unanswered customer message."""
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        if conversation.status != ConversationStatus.BOT:
            return False
        last = (
            Message.objects.filter(conversation=conversation, internal=False)
            .order_by("-id")
            .values("id", "sender")
            .first()
        )
        if last is None or last["sender"] != Sender.CUSTOMER:
            return False  # answered meanwhile
        if message_id is not None and last["id"] != message_id:
            return False  # the customer wrote again: that message's turn answers both
        system_say(conversation_id=conversation.pk, body=TROUBLE)
        conversation_request_handoff(conversation_id=conversation.pk, trigger="bot_failure", actor_type="system")
    return True


def message_bot_failed(*, message_id: int) -> uuid.UUID | None:
    """Note on the message that the bot's turn on it failed for good, so the recovery sweep
    (`read_missed`) does not send it to the bot again. Returns its conversation's id."""
    with transaction.atomic():
        conversation_id = Message.objects.filter(pk=message_id).values_list("conversation_id", flat=True).first()
        if conversation_id is None:
            return None
        lock_conversation(conversation_id)  # message.data is written under its conversation's lock
        message = Message.objects.get(pk=message_id)
        message.data = {**(message.data or {}), "bot_failed": True}
        message.save(update_fields=["data"])
    return conversation_id


def unanswered_past_bound(*, now: datetime | None = None, limit: int = 200) -> list[uuid.UUID]:
    """Bot-held chats whose last message is a customer's, older than the bound."""
    now = now or timezone.now()
    bound = timedelta(seconds=settings.HELPDESK_BOT_ANSWER_BOUND_SECONDS)
    last_sender = Subquery(
        Message.objects.filter(conversation=OuterRef("pk"), internal=False).order_by("-id").values("sender")[:1]
    )
    return list(
        Conversation.objects.filter(
            status=ConversationStatus.BOT,
            last_customer_message_at__lt=now - bound,
            last_customer_message_at__gte=now - LOOK_BACK,
        )
        .annotate(last_sender=last_sender)
        .filter(last_sender=Sender.CUSTOMER)
        .values_list("pk", flat=True)[:limit]
    )


def enforce_answer_bound(*, now: datetime | None = None) -> int:
    """The periodic check (beat; the embedded loop): every chat past the bound goes to a
    person. Supervisors hear it, at most once a minute. Returns how many were handed over."""
    handed = sum(conversation_hand_over_unanswered(conversation_id=pk) for pk in unanswered_past_bound(now=now))
    if handed:
        logger.error("the bot did not answer %s chat(s) within %s s: handed over", handed, _bound())
        if cache.add("helpdesk:bot-unavailable-alert", 1, timeout=ALERT_EVERY_SECONDS):
            realtime.alert_supervisors(
                f"The assistant did not answer {handed} chat(s) within {_bound()} s; they were handed to your "
                "team. Check the bot's workers (/healthz)."
            )
    return handed


def bot_health(*, now: datetime | None = None) -> dict:
    """For /healthz: degraded while customer messages wait unread past the bound (handed over
    or not: the model has not read them) and no bot worker has taken a task for longer than the
    bound: no worker consumes the bot's queue, or every one is stuck."""
    now = now or timezone.now()
    bound = timedelta(seconds=settings.HELPDESK_BOT_ANSWER_BOUND_SECONDS)
    unread = (
        Message.objects.filter(
            sender=Sender.CUSTOMER,
            internal=False,
            created_at__lt=now - bound,
            created_at__gte=now - LOOK_BACK,
            conversation__status__in=OPEN_STATUSES,
        )
        .exclude(data__has_key="prediction")  # read: helpdesk/services/readings.py
        .exclude(data__has_key="bot_failed")  # its turn failed: never read again
        .count()
    )
    took = cache.get(BOT_HEARTBEAT_KEY)
    since = None if took is None else round(time.time() - took, 1)
    stalled = since is None or since > bound.total_seconds()
    return {"ok": not (unread and stalled), "unread_past_bound": unread, "last_task_seconds_ago": since}


def _bound() -> int:
    return round(settings.HELPDESK_BOT_ANSWER_BOUND_SECONDS)
