"""Who takes a waiting conversation: skills, capacity, presence.

A handed-off conversation goes at once to the least-loaded online agent who holds its queue
and has a free slot (ties: the one idle longest); otherwise it waits in its queue. When an
agent frees a slot or comes online, the next waiting conversations of their queues, by
priority then wait, go to them. The claim itself is helpdesk's `conversation_accept`: the
agent's row lock makes "check capacity, then take" one step, so capacity is never exceeded
however many handoffs race (tests/postgres).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from helpdesk.errors import ServiceError
from helpdesk.infrastructure import presence
from helpdesk.models import AgentProfile, Conversation, ConversationStatus, Presence
from helpdesk.services.claims import conversation_accept


@dataclass(frozen=True)
class AgentLoad:
    user_id: int
    load: int
    capacity: int
    last_assigned_at: datetime | None


def choose_agent(candidates: list[AgentLoad]) -> list[AgentLoad]:
    """Pure: agents with a free slot, best first (fewest chats, then idle longest)."""
    free = [c for c in candidates if c.load < c.capacity]
    return sorted(free, key=lambda c: (c.load, c.last_assigned_at is not None, c.last_assigned_at or datetime.min))


def candidates_for(queue_id: int) -> list[AgentLoad]:
    rows = (
        AgentProfile.objects.filter(queues=queue_id, presence=Presence.ONLINE, user__is_active=True)
        .annotate(load=Count("user__conversations", filter=Q(user__conversations__status=ConversationStatus.ASSIGNED)))
        .values_list("user_id", "load", "max_concurrent_chats", "last_assigned_at")
    )
    rows = list(rows)
    # Online in the database but no socket seen within the TTL: their daphne died (the sweep
    # will take them offline); a chat given to them now would wait for nobody.
    stale = presence.stale_users(u for u, *_ in rows)
    return [AgentLoad(user_id=u, load=n, capacity=c, last_assigned_at=t) for u, n, c, t in rows if u not in stale]


def assign_waiting_conversation(*, conversation_id: str) -> int | None:
    """Give a queued conversation to the best free agent. Returns the agent's user id, or None
    when nobody can take it now (it keeps its place in the queue)."""
    conversation = (
        Conversation.objects.filter(pk=conversation_id).values("status", "queue_id", "queue__auto_assign").first()
    )
    if not conversation or conversation["status"] != ConversationStatus.QUEUED or conversation["queue_id"] is None:
        return None
    if not conversation["queue__auto_assign"]:
        return None
    for candidate in choose_agent(candidates_for(conversation["queue_id"])):
        try:
            conversation_accept(conversation_id=conversation_id, agent_user_id=candidate.user_id)
            return candidate.user_id
        except ServiceError as refused:
            # Race: another handoff filled this agent a moment ago (at_capacity): try the
            # next one. Someone took the conversation itself (already_taken): done.
            if refused.code == "at_capacity":
                continue
            return None
    return None


def assign_next_to_agent(*, user_id: int) -> int:
    """Fill an agent's free slots from their queues, by priority then longest wait. Returns how
    many conversations were assigned."""
    profile = AgentProfile.objects.filter(user_id=user_id).first()
    if profile is None or profile.presence != Presence.ONLINE:
        return 0
    assigned = 0
    queue_ids = list(profile.queues.filter(auto_assign=True).values_list("pk", flat=True))
    while True:
        held = Conversation.objects.filter(agent_id=user_id, status=ConversationStatus.ASSIGNED).count()
        if held >= profile.max_concurrent_chats:
            return assigned
        waiting = list(
            Conversation.objects.filter(status=ConversationStatus.QUEUED, queue_id__in=queue_ids)
            .order_by("-priority", "queued_at", "created_at")
            .values_list("pk", flat=True)[:5]
        )
        if not waiting:
            return assigned
        took = False
        for conversation_id in waiting:
            try:
                conversation_accept(conversation_id=conversation_id, agent_user_id=user_id)
            except ServiceError as refused:
                if refused.code == "at_capacity":
                    return assigned
                continue  # already taken by someone else: the next one
            assigned += 1
            took = True
            break
        if not took:
            return assigned
