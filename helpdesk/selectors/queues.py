"""Reads about queues: positions and wait estimates."""

from __future__ import annotations

from django.conf import settings
from django.db.models import DurationField, ExpressionWrapper, F, Q

from ..models import AgentProfile, Conversation, ConversationStatus, Presence, Queue


def queue_order_before(conversation: Conversation) -> Q:
    """Conversations served before this one in its queue: higher priority, or the same
    priority and queued earlier."""
    return (
        Q(priority__gt=conversation.priority)
        | Q(priority=conversation.priority, queued_at__lt=conversation.queued_at)
        | Q(priority=conversation.priority, queued_at=conversation.queued_at, created_at__lt=conversation.created_at)
    )


def queue_position(conversation: Conversation) -> int:
    if conversation.status != ConversationStatus.QUEUED or conversation.queue_id is None:
        return 0
    ahead = Conversation.objects.filter(
        queue_match(conversation.queue_id), queue_order_before(conversation), status=ConversationStatus.QUEUED
    ).count()
    return ahead + 1


def queue_match(queue_id: int) -> Q:
    return Q(queue_id=queue_id)


def queued_in_order(queue_id: int) -> list[Conversation]:
    return list(
        Conversation.objects.filter(queue_id=queue_id, status=ConversationStatus.QUEUED)
        .select_related("queue")
        .order_by("-priority", "queued_at", "created_at")
    )


def online_agents(queue: Queue) -> int:
    return AgentProfile.objects.filter(queues=queue, presence=Presence.ONLINE).count()


def typical_wait_seconds(queue: Queue) -> float:
    """Median wait of the queue's last 20 accepted conversations, or the configured default."""
    waits = (
        Conversation.objects.filter(queue=queue, first_assigned_at__isnull=False, queued_at__isnull=False)
        .annotate(wait=ExpressionWrapper(F("first_assigned_at") - F("queued_at"), output_field=DurationField()))
        .order_by("-first_assigned_at")
        .values_list("wait", flat=True)[:20]
    )
    seconds = sorted(w.total_seconds() for w in waits if w is not None and w.total_seconds() >= 0)
    if len(seconds) < 3:
        return float(settings.HELPDESK_DEFAULT_WAIT_PER_POSITION_SECONDS)
    return max(15.0, seconds[len(seconds) // 2])


def queue_wait_estimate(queue: Queue | None, position: int) -> int:
    """Seconds until a human is likely to pick this up: a typical wait per place in line,
    shared among the queue's online agents."""
    if queue is None or position <= 0:
        return 0
    agents = max(1, online_agents(queue))
    per_position = typical_wait_seconds(queue)
    return int(round(per_position * position / agents))
