"""Reads of conversations. Permission checks live inside the fetch, so no caller can forget."""

from __future__ import annotations

import hmac
import uuid
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..errors import NotFound, PermissionDenied
from ..frames import conversation_summary, message_payload
from ..models import AgentProfile, Conversation, ConversationStatus, Message
from ..security.tokens import customer_token_conversation, hash_token
from .assist import assist_for, suggested_opening
from .queues import online_capacity, queue_position, queue_wait_estimate


def conversation_get_for_customer(conversation_id: str, token: str) -> Conversation | None:
    """The conversation this token opens, or None: a missing, forged, tampered, expired or
    other conversation's token all look the same to the caller."""
    if not token or len(token) > 200:
        return None
    try:
        pk = uuid.UUID(str(conversation_id))
    except ValueError:
        return None
    # The signature and age are checked before any query: a forged token costs no database
    # read, and a token signed for conversation A never opens B even before the hash check.
    if customer_token_conversation(token) != pk:
        return None
    try:
        conversation = Conversation.objects.select_related("queue", "customer", "agent__agent").get(pk=pk)
    except (ValidationError, Conversation.DoesNotExist):
        return None
    if not hmac.compare_digest(conversation.token_hash, hash_token(token)):
        return None
    return conversation


def _base() -> QuerySet[Conversation]:
    return Conversation.objects.select_related("queue", "customer", "agent__agent")


def agent_visible_filter(profile: AgentProfile, *, queue_ids: list[int] | None = None) -> Q:
    """Which conversations an agent may see: those they hold, those waiting in or handled by
    their queues; a supervisor sees everything.

    `queue_ids`, the agent's queues already read, puts them in the query as values instead of a
    subquery: PostgreSQL then estimates how much of a large table they cover (the search over
    all history, selectors/search.py), where it guesses half for the subquery."""
    if profile.is_supervisor:
        return Q()
    return Q(agent_id=profile.user_id) | Q(queue__in=profile.queues.all() if queue_ids is None else queue_ids)


def conversation_get_for_agent(conversation_id: str, profile: AgentProfile) -> Conversation:
    try:
        pk = uuid.UUID(str(conversation_id))
    except ValueError as exc:
        raise NotFound() from exc
    conversation = _base().filter(pk=pk).first()
    if conversation is None:
        raise NotFound()
    if not _base().filter(agent_visible_filter(profile), pk=pk).exists():
        raise PermissionDenied()
    return conversation


def messages_after(conversation_id: str | uuid.UUID, after_seq: int, *, limit: int | None = None) -> list[Message]:
    """Customer-visible messages with seq > after_seq, in order (replay and gap filling)."""
    qs = Message.objects.filter(conversation_id=conversation_id, internal=False, seq__gt=after_seq).order_by("seq")
    return list(qs[:limit] if limit else qs)


def transcript(conversation_id: str | uuid.UUID, *, include_internal: bool) -> list[dict[str, Any]]:
    qs = Message.objects.filter(conversation_id=conversation_id)
    if not include_internal:
        qs = qs.filter(internal=False)
    return [message_payload(m, for_staff=include_internal) for m in qs.order_by("id")]


def customer_contact_count(customer_id: int, *, days: int = 30) -> int:
    since = timezone.now() - timedelta(days=days)
    return Conversation.objects.filter(customer_id=customer_id, created_at__gte=since).count()


def recent_contacts(customer_id: int, *, exclude: uuid.UUID, limit: int = 5) -> list[dict[str, Any]]:
    rows = (
        Conversation.objects.filter(customer_id=customer_id)
        .exclude(pk=exclude)
        .order_by("-created_at")
        .values("id", "status", "intent", "created_at", "resolved_at", "queue__name")[:limit]
    )
    return [
        {
            "id": str(r["id"]),
            "status": r["status"],
            "intent": r["intent"] or None,
            "queue": r["queue__name"],
            "created_at": r["created_at"].isoformat(),
        }
        for r in rows
    ]


def conversation_packet(conversation: Conversation, *, include_internal: bool = True) -> dict[str, Any]:
    """The handoff packet `C`: everything an agent needs so the customer never repeats
    themselves."""
    position = queue_position(conversation) if conversation.status == ConversationStatus.QUEUED else None
    packet = conversation_summary(conversation, position=position)
    packet["customer"]["contact_count_30d"] = customer_contact_count(conversation.customer_id)
    packet["customer"]["recent_contacts"] = recent_contacts(conversation.customer_id, exclude=conversation.pk)
    packet["transcript"] = transcript(conversation.pk, include_internal=include_internal)
    # The contract's emotions and frustration: the model's reading of the latest customer
    # message (the transcript already carries each message's reading).
    latest = next(
        (m.get("prediction") for m in reversed(packet["transcript"]) if m["sender"] == "customer"), None
    ) or {}
    packet["emotions"] = latest.get("emotions") or {}
    packet["frustration"] = latest.get("frustration")
    packet["suggested_opening"] = suggested_opening(conversation)
    packet["assist"] = assist_for(conversation)
    if position is not None:
        packet["estimated_wait_seconds"] = queue_wait_estimate(conversation.queue, position)
    return packet


def conversation_packet_by_id(conversation_id: str | uuid.UUID) -> dict[str, Any]:
    return conversation_packet(_base().get(pk=conversation_id))


def inbox_for_agent(profile: AgentProfile) -> dict[str, Any]:
    """The two live lists: waiting conversations (priority, then longest wait) and mine."""
    visible = agent_visible_filter(profile)
    queued = list(
        _base().filter(visible, status=ConversationStatus.QUEUED).order_by("-priority", "queued_at", "created_at")[:200]
    )
    # Positions are per queue; counted here from the ordered list rather than a query each.
    per_queue: dict[int, int] = {}
    queued_rows = []
    for conversation in queued:
        per_queue[conversation.queue_id] = per_queue.get(conversation.queue_id, 0) + 1
        queued_rows.append(conversation_summary(conversation, position=per_queue[conversation.queue_id]))
    mine = _base().filter(agent_id=profile.user_id, status=ConversationStatus.ASSIGNED).order_by("assigned_at")
    bot = []
    if profile.is_supervisor:
        bot = [
            conversation_summary(c) for c in _base().filter(status=ConversationStatus.BOT).order_by("-created_at")[:50]
        ]
    return {
        "queued": queued_rows,
        "mine": [conversation_summary(c) for c in mine],
        "with_bot": bot,
    }


def agent_display_name(conversation: Conversation) -> str | None:
    if not conversation.agent_id:
        return None
    profile = getattr(conversation.agent, "agent", None)
    return profile.display_name if profile else conversation.agent.get_username()


def customer_state(conversation: Conversation) -> dict[str, Any]:
    """What the customer's page needs after (re)connecting: the state, not the messages."""
    state: dict[str, Any] = {
        "id": str(conversation.pk),
        "status": conversation.status,
        "queue": conversation.queue.name if conversation.queue_id else None,
        "agent_name": agent_display_name(conversation),
        "last_seq": conversation.last_seq,
        "csat_pending": bool(
            conversation.csat_requested_at
            and not hasattr(conversation, "csat")
            and conversation.status in ("resolved", "abandoned")
        ),
    }
    if conversation.status == ConversationStatus.QUEUED:
        position = queue_position(conversation)
        state["position"] = position
        state["estimated_wait_seconds"] = queue_wait_estimate(conversation.queue, position)
        # Beyond the contract: with nobody online the page promises no wait.
        state["agents_online"] = online_capacity(conversation.queue)[0]
    return state
