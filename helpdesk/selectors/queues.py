"""Reads about queues: positions and wait estimates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db.models import DurationField, ExpressionWrapper, F, Q

from ..infrastructure import presence
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


def online_capacity(queue: Queue) -> tuple[int, int, int]:
    """(online agents, their total chat capacity, their free slots) for a queue."""
    from django.db.models import Count

    rows = AgentProfile.objects.filter(queues=queue, presence=Presence.ONLINE).annotate(
        held=Count("user__conversations", filter=Q(user__conversations__status=ConversationStatus.ASSIGNED))
    )
    agents = capacity = free = 0
    rows = list(rows.values("user_id", "max_concurrent_chats", "held"))
    stale = presence.stale_users(row["user_id"] for row in rows)  # their daphne died
    for row in rows:
        if row["user_id"] in stale:
            continue
        agents += 1
        capacity += row["max_concurrent_chats"]
        free += max(0, row["max_concurrent_chats"] - row["held"])
    return agents, capacity, free


def typical_handle_seconds(queue: Queue) -> float:
    """Median handle time (accepted -> resolved) of the queue's last 20 resolved chats, or the
    configured default while there is too little history."""
    times = (
        Conversation.objects.filter(queue=queue, resolved_at__isnull=False, first_assigned_at__isnull=False)
        .annotate(took=ExpressionWrapper(F("resolved_at") - F("first_assigned_at"), output_field=DurationField()))
        .order_by("-resolved_at")
        .values_list("took", flat=True)[:20]
    )
    return handle_seconds_of(times)


def handle_seconds_of(times: Iterable[timedelta | None]) -> float:
    """The typical handle time of a queue's last resolved chats (their handle times): the
    median, or the configured default while there are fewer than three."""
    seconds = sorted(t.total_seconds() for t in times if t is not None and t.total_seconds() >= 0)
    if len(seconds) < 3:
        return float(settings.HELPDESK_DEFAULT_HANDLE_SECONDS)
    return max(30.0, seconds[len(seconds) // 2])


def queue_wait_estimate(queue: Queue | None, position: int) -> int:
    """Seconds until a human is likely to pick this up, from recent handle times, the place in
    line and the agents online: the first `free` in line are picked up at once; behind them,
    a slot opens every handle_time / capacity seconds. With nobody online, as if one agent
    with one slot will come."""
    if queue is None or position <= 0:
        return 0
    return wait_estimate(typical_handle_seconds(queue), online_capacity(queue), position)


def wait_estimate(handle: float, online: tuple[int, int, int], position: int) -> int:
    """`queue_wait_estimate` over figures already read: the typical handle time and
    `online_capacity`'s (agents, capacity, free). The live desk reads them for every queue at
    once (analytics/live.py)."""
    agents, capacity, free = online
    if position <= 0:
        return 0
    if agents == 0:
        return int(round(handle * position))
    if position <= free:
        return 15
    return int(round((position - free) * handle / max(1, capacity)))


def inside_business_hours(queue: Queue | None, now=None) -> bool:
    """Whether `now` falls in the queue's business hours; a queue without hours is always open.

    Hours: {"tz": "Europe/Berlin", "days": [0, 1, 2, 3, 4] (Monday = 0), "start": "09:00",
    "end": "17:00"}.
    """
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    hours = (queue.business_hours if queue else None) or {}
    if not hours:
        return True
    try:
        local = (now or datetime.now(tz=ZoneInfo("UTC"))).astimezone(ZoneInfo(hours.get("tz", "UTC")))
        start = time.fromisoformat(hours.get("start", "00:00"))
        end = time.fromisoformat(hours.get("end", "23:59"))
    except (ValueError, KeyError):
        return True  # unreadable hours never lock customers out
    days = hours.get("days", [0, 1, 2, 3, 4, 5, 6])
    return local.weekday() in days and start <= local.time() < end
