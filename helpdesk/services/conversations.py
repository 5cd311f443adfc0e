"""The conversation's life: start, customer close, silence sweep, CSAT."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..errors import ServiceError
from ..infrastructure import events, realtime
from ..infrastructure.locks import lock_conversation
from ..models import (
    COLLECTED_FIELDS,
    Conversation,
    ConversationEvent,
    ConversationStatus,
    CsatResponse,
    EventKind,
    Message,
    Priority,
)
from ..models.conversations import OPEN_STATUSES
from ..security.tokens import customer_token_issue, hash_token
from .closing import resolve_locked
from .customers import customer_identify
from .lifecycle import push_conversation_updated, push_queue_positions, release_agent, set_status


def conversation_start(
    *,
    name: str = "",
    email: str | None = None,
    external_id: str | None = None,
    channel: str = "web",
    page_url: str = "",
    metadata: dict[str, Any] | None = None,
) -> tuple[Conversation, str]:
    """Open a conversation with the bot. Returns it and the customer's token (shown once)."""
    conversation_id = uuid.uuid4()
    token = customer_token_issue(conversation_id)
    with transaction.atomic():
        customer = customer_identify(email=email, external_id=external_id, name=name)
        now = timezone.now()
        conversation = Conversation.objects.create(
            id=conversation_id,
            customer=customer,
            channel=channel or "web",
            page_url=page_url or "",
            metadata=metadata or {},
            token_hash=hash_token(token),
            status=ConversationStatus.BOT,
            status_changed_at=now,
        )
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.CREATED,
            actor_type="customer",
            new_value=ConversationStatus.BOT,
            data={"channel": conversation.channel},
        )
        events.publish("conversation.created", conversation_id=str(conversation.pk))
        # Supervisors watch the bot's conversations live.
        realtime.after_commit(push_conversation_updated, conversation.pk)
    return conversation, token


def conversation_close_by_customer(*, conversation_id: uuid.UUID | str) -> Conversation:
    """The customer ended the chat. With the bot or in a queue it is abandoned; with a person
    it is resolved (metrics.md counts only silence there as abandonment: a customer who says
    goodbye to the agent and closes the window was helped)."""
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        if not conversation.is_open:
            return conversation
        now = timezone.now()
        conversation.closed_by_customer_at = now
        conversation.save(update_fields=["closed_by_customer_at"])
        ConversationEvent.objects.create(
            conversation=conversation, kind=EventKind.CLOSED, actor_type="customer", old_value=conversation.status
        )
        if conversation.status == ConversationStatus.ASSIGNED:
            resolve_locked(conversation, actor_type="customer")
            return conversation
        _abandon(conversation, reason="closed")
        # A customer who ends the chat after being answered is asked for a rating too, as one
        # whose chat was resolved (the response rate, metrics.md, still counts resolved ones).
        if _was_answered(conversation):
            conversation.csat_requested_at = now
            conversation.save(update_fields=["csat_requested_at"])
            ConversationEvent.objects.create(
                conversation=conversation, kind=EventKind.CSAT_REQUESTED, actor_type="system"
            )
            realtime.after_commit(realtime.customer_frame, conversation.pk, {"type": "csat_request", "scale": 5})
    return conversation


def _was_answered(conversation: Conversation) -> bool:
    """The customer wrote, and the bot or an agent answered (the greeting alone is no answer)."""
    first = (
        Message.objects.filter(conversation=conversation, sender="customer").order_by("id").values_list("id").first()
    )
    return bool(first) and Message.objects.filter(
        conversation=conversation, sender__in=("bot", "agent"), id__gt=first[0]
    ).exists()


def _abandon(conversation: Conversation, *, reason: str) -> None:
    """Inside a transaction holding the conversation's lock."""
    previous = conversation.status
    previous_agent = conversation.agent_id
    conversation.abandoned_at = timezone.now()
    conversation.abandoned_from = previous
    conversation.save(update_fields=["abandoned_at", "abandoned_from"])
    ConversationEvent.objects.create(
        conversation=conversation,
        kind=EventKind.ABANDONED,
        actor_type="customer" if reason == "closed" else "system",
        old_value=previous,
        new_value=ConversationStatus.ABANDONED,
        data={"reason": reason, "from_status": previous},
    )
    set_status(conversation, ConversationStatus.ABANDONED, actor_type="system")
    if previous_agent:
        release_agent(previous_agent, conversation.pk, ConversationStatus.ABANDONED)


def conversations_sweep_inactive(*, now=None, batch: int = 500) -> int:
    """End open conversations whose customer has been silent for
    HELPDESK_ABANDON_AFTER_SECONDS, up to `batch` of each kind a call (the periodic task runs
    every minute within a time limit; `sweep_inactive` calls again until none is left). Each is
    claimed under its row lock and re-checked, so two sweeps running at once end a
    conversation once."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.HELPDESK_ABANDON_AFTER_SECONDS)
    candidates = list(
        Conversation.objects.filter(status__in=OPEN_STATUSES)
        .filter(last_customer_message_at__lt=cutoff)
        .values_list("pk", flat=True)[:batch]
    ) + list(
        Conversation.objects.filter(
            status__in=OPEN_STATUSES, last_customer_message_at__isnull=True, created_at__lt=cutoff
        ).values_list("pk", flat=True)[:batch]
    )
    ended = 0
    for pk in candidates:
        with transaction.atomic():
            conversation = lock_conversation(pk)
            last = conversation.last_customer_message_at or conversation.created_at
            if not conversation.is_open or last >= cutoff:
                continue
            _abandon(conversation, reason="silent")
            ended += 1
    return ended


def csat_submit(*, conversation_id: uuid.UUID | str, score: Any, comment: Any = "") -> CsatResponse:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ServiceError("invalid_score", "The score must be a whole number from 1 to 5.")
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise ServiceError("bad_frame", "The comment must be text.")
    comment = comment.strip()[:2000]
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        rateable = (ConversationStatus.RESOLVED, ConversationStatus.ABANDONED)
        if conversation.status not in rateable or conversation.csat_requested_at is None:
            raise ServiceError("invalid_state", "This conversation has not asked for a rating.")
        try:
            with transaction.atomic():
                response = CsatResponse.objects.create(conversation=conversation, score=score, comment=comment)
        except IntegrityError as exc:
            raise ServiceError("already_rated", "This conversation has already been rated.") from exc
        ConversationEvent.objects.create(
            conversation=conversation, kind=EventKind.CSAT, actor_type="customer", new_value=str(score)
        )
        # The agent who resolved it has left the conversation's staff group by now; reach
        # them through their own group.
        audience = [realtime.staff_group(conversation.pk), realtime.SUPERVISORS]
        if conversation.agent_id:
            audience.insert(0, realtime.agent_group(conversation.agent_id))
        realtime.after_commit(
            realtime.agents_frame,
            audience,
            {"type": "csat", "conversation_id": str(conversation.pk), "score": score, "comment": comment},
        )
    return response


def conversation_tags_add(*, conversation_id: uuid.UUID | str, tags: list[str]) -> bool:
    """Add tags (a set: adding one twice keeps one). False when nothing was new."""
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        before = set(conversation.tags or [])
        after = before | set(tags)
        if after == before:
            return False
        conversation.tags = sorted(after)
        conversation.save(update_fields=["tags", "updated_at"])
        realtime.after_commit(push_conversation_updated, conversation.pk)
    return True


def conversation_priority_raise(
    *, conversation_id: uuid.UUID | str, priority: int, actor_type: str, reason: str
) -> bool:
    """Raise the priority (never lower it: a rule asking for "high" must not undo "urgent"),
    logged with its reason. False when it was already that high."""
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        old = conversation.priority
        if priority <= old:
            return False
        conversation.priority = priority
        conversation.save(update_fields=["priority", "updated_at"])
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.PRIORITY,
            actor_type=actor_type,
            old_value=Priority(old).label,
            new_value=Priority(priority).label,
            data={"reason": reason},
        )
        realtime.after_commit(push_conversation_updated, conversation.pk)
        if conversation.status == ConversationStatus.QUEUED and conversation.queue_id:
            # A higher priority moves it up its queue: every waiting customer's place changes.
            realtime.after_commit(push_queue_positions, conversation.queue_id, None)
    return True


def collected_merge(*, conversation: Conversation, values: dict[str, Any], first_words: str | None = None) -> list[str]:
    """Facts gathered about the customer's request, merged into `collected` (a value of None
    removes its key), and the summary rebuilt from them. Inside the caller's transaction
    holding the conversation's lock: returns the changed fields, unsaved, for the caller's own
    UPDATE (the bot's answer commits with them). Only the documented keys with their types:
    anything else is a bug, refused here before it reaches an agent's screen. `first_words`:
    the conversation's first customer message, when the caller has it (saves a query)."""
    for key, value in values.items():
        if key not in COLLECTED_FIELDS:
            raise ValueError(f"collected: {key!r} is not a documented field (COLLECTED_FIELDS)")
        kind = COLLECTED_FIELDS[key][0]
        # A bool is an int to isinstance: True is no number of steps tried.
        wrong = not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool)
        if value is not None and wrong:
            raise ValueError(f"collected: {key!r} must be {kind.__name__}, not {type(value).__name__}")
    merged = {**(conversation.collected or {}), **values}
    conversation.collected = {k: v for k, v in merged.items() if v is not None}
    conversation.summary = summary_of(conversation, first_words=first_words)
    return ["collected", "summary", "updated_at"]


def summary_of(conversation: Conversation, first_words: str | None = None) -> str:
    """What an agent should know in five seconds, from the intent, the collected facts and the
    customer's first words."""
    collected = conversation.collected or {}
    bits = []
    if conversation.intent:
        bits.append(conversation.intent.replace("_", " ").capitalize())
    if collected.get("order_number"):
        status = f" ({collected['order_status']})" if collected.get("order_status") else ""
        bits.append(f"order {collected['order_number']}{status}")
    if collected.get("email"):
        bits.append(f"email {collected['email']}")
    if collected.get("damage"):
        bits.append(f"damage: “{collected['damage'][:100]}”")
    if collected.get("problem") and collected.get("steps_tried"):
        bits.append(f"tried {collected['steps_tried']} troubleshooting steps")
    if collected.get("fraud_signs"):
        bits.append("signs of fraud")
    if conversation.sentiment == "negative":
        bits.append("customer upset")
    if first_words is None:
        first = Message.objects.filter(conversation=conversation, sender="customer").order_by("id").first()
        first_words = first.body if first else None
    head = "; ".join(bits)
    return f"{head}. First words: “{first_words[:140]}”" if first_words else head


def conversation_bot_failure_count(*, conversation_id: uuid.UUID | str) -> None:
    """A turn the bot could not handle; the rules read the count ("three turns the bot could
    not handle"). An F() update: it never loses a count to a concurrent write."""
    Conversation.objects.filter(pk=conversation_id).update(bot_failures=F("bot_failures") + 1)
