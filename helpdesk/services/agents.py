"""Agent presence, kept by the inbox sockets."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .. import events, realtime
from ..errors import ServiceError
from ..locks import lock_agent
from ..models import AgentProfile, Presence


def agent_connected(*, user_id: int) -> AgentProfile:
    """An inbox socket opened. An offline agent comes online; `away` stays away."""
    with transaction.atomic():
        profile = lock_agent(user_id)
        # F(): sockets of one agent open and close in several processes at once.
        AgentProfile.objects.filter(pk=profile.pk).update(open_connections=F("open_connections") + 1)
        if profile.presence == Presence.OFFLINE:
            _set_presence(profile, Presence.ONLINE)
    return profile


def agent_disconnected(*, user_id: int) -> None:
    """An inbox socket closed; the last one to close takes the agent offline."""
    with transaction.atomic():
        profile = lock_agent(user_id)
        remaining = max(0, profile.open_connections - 1)
        AgentProfile.objects.filter(pk=profile.pk).update(open_connections=remaining)
        if remaining == 0 and profile.presence != Presence.OFFLINE:
            _set_presence(profile, Presence.OFFLINE)


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
