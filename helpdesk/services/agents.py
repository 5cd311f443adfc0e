"""Agent presence, kept by the inbox sockets."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..errors import ServiceError
from ..infrastructure import events, presence, realtime
from ..infrastructure.locks import lock_agent
from ..models import AgentProfile, Conversation, ConversationStatus, Presence
from .transfers import conversation_requeue_from_offline_agent, offline_long_enough

logger = logging.getLogger(__name__)


def agent_connected(*, user_id: int, connection: str) -> AgentProfile:
    """An inbox socket (`connection`: its channel name) opened. An offline agent comes
    online; `away` stays away."""
    presence.touch(user_id, connection)
    with transaction.atomic():
        profile = lock_agent(user_id)
        # F(): sockets of one agent open and close in several processes at once.
        AgentProfile.objects.filter(pk=profile.pk).update(open_connections=F("open_connections") + 1)
        if profile.presence == Presence.OFFLINE:
            _set_presence(profile, Presence.ONLINE)
    return profile


def agent_disconnected(*, user_id: int, connection: str) -> None:
    """An inbox socket closed; the last one to close takes the agent offline."""
    presence.drop(user_id, connection)
    with transaction.atomic():
        profile = lock_agent(user_id)
        remaining = max(0, profile.open_connections - 1)
        if presence.tracked():
            # The counter cannot know of sockets that died with their process: count the
            # sockets still seen instead (helpdesk/infrastructure/presence.py).
            remaining = presence.fresh_count(user_id)
        AgentProfile.objects.filter(pk=profile.pk).update(open_connections=remaining)
        if remaining == 0 and profile.presence != Presence.OFFLINE:
            _set_presence(profile, Presence.OFFLINE)


def agent_heartbeat(*, user_id: int, connection: str) -> None:
    """A living inbox socket, every HELPDESK_PRESENCE_HEARTBEAT_SECONDS. An agent the sweep took
    offline while this socket lived (its process stalled past the TTL) comes back online.

    A beat already running when its socket closes (its thread outlives the cancel) must not
    bring back the agent the close just took offline: only an agent with a socket still
    counted comes back (the close set the count to 0 with the presence, under the same lock)."""
    presence.touch(user_id, connection)
    if not AgentProfile.objects.filter(user_id=user_id, presence=Presence.OFFLINE).exists():
        return
    with transaction.atomic():
        profile = lock_agent(user_id)
        if profile.presence != Presence.OFFLINE:
            return
        sockets = presence.fresh_count(user_id) if presence.tracked() else profile.open_connections
        if sockets:
            AgentProfile.objects.filter(pk=profile.pk).update(open_connections=sockets)
            _set_presence(profile, Presence.ONLINE)


def agents_sweep_stale() -> int:
    """Take offline the agents none of whose sockets has been seen within the TTL: their
    process died without closing them (helpdesk/infrastructure/presence.py). Safe to run twice at once:
    each agent is re-checked under its row lock. Returns how many went offline."""
    present = AgentProfile.objects.exclude(presence=Presence.OFFLINE).values_list("user_id", flat=True)
    swept = 0
    for user_id in presence.stale_users(present):
        with transaction.atomic():
            profile = lock_agent(user_id)
            if profile.presence == Presence.OFFLINE or presence.fresh_count(user_id):
                continue
            AgentProfile.objects.filter(pk=profile.pk).update(open_connections=0)
            _set_presence(profile, Presence.OFFLINE)
            swept += 1
        presence.forget_stale(user_id)
    return swept


def agents_requeue_offline_chats() -> int:
    """Chats whose agent went offline while holding them, and has stayed away their queue's
    `offline_requeue_seconds`, go back to the queue for someone else (the customer would
    otherwise wait for nobody). Each is re-checked under the agent's and the conversation's
    locks, so it is safe to run twice at once. Returns how many went back."""
    now = timezone.now()
    held = (
        Conversation.objects.filter(
            status=ConversationStatus.ASSIGNED,
            agent__agent__presence=Presence.OFFLINE,
            queue__offline_requeue_seconds__isnull=False,
        )
        .select_related("queue", "agent__agent")
        .order_by("queued_at")
    )
    requeued = 0
    for conversation in held:
        if not offline_long_enough(conversation.agent.agent, conversation, now):
            continue
        try:
            requeued += conversation_requeue_from_offline_agent(
                conversation_id=conversation.pk, agent_user_id=conversation.agent_id
            )
        except Exception:  # noqa: BLE001 - one chat that fails must not strand the others
            logger.exception("requeue of conversation %s from its offline agent failed", conversation.pk)
    return requeued


def agent_set_presence(*, user_id: int, presence: str) -> AgentProfile:
    if presence not in (Presence.ONLINE, Presence.AWAY):
        raise ServiceError("bad_frame", "presence must be 'online' or 'away'.")
    with transaction.atomic():
        profile = lock_agent(user_id)
        _set_presence(profile, presence)
    return profile


def _set_presence(profile: AgentProfile, presence: str) -> None:
    if presence == Presence.ONLINE and profile.presence != Presence.ONLINE:
        # Routing hands a newly available agent the conversations waiting for them.
        events.publish("agent.available", user_id=profile.user_id)
    profile.presence = presence
    profile.presence_changed_at = timezone.now()
    profile.save(update_fields=["presence", "presence_changed_at"])
    realtime.after_commit(
        realtime.agents_frame, [realtime.agent_group(profile.user_id)], {"type": "presence", "status": presence}
    )
    realtime.desk_changed()
