"""The agent's socket: /ws/agent/ (session cookie or ?token=).

`?view=desk` opens a supervisor's live-desk socket (/analytics/live/): it hears only the
"desk.changed" frames and changes nothing. It is no inbox: opening the board must not put a
supervisor online for chats, so it keeps no presence and holds no conversations.

`?view=tickets` opens a tickets page's socket (/inbox/tickets/), listening the same way: it
hears only "ticket.changed" frames, of the tickets the agent may see.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings

from ..errors import ServiceError, Unavailable
from ..infrastructure import realtime
from ..models import AgentProfile, Conversation, ConversationStatus
from ..security.ratelimit import TokenBucket
from ..selectors.conversations import conversation_get_for_agent, conversation_packet
from ..services.agents import agent_connected, agent_disconnected, agent_heartbeat, agent_set_presence
from ..services.assist import conversation_rate_bot
from ..services.claims import conversation_accept
from ..services.closing import conversation_handback, conversation_resolve
from ..services.messages import agent_reply_post, note_post
from ..services.transfers import conversation_transfer
from .base import FrameError, JsonFrameConsumer
from .db import db

logger = logging.getLogger(__name__)


def _profile_for(user) -> AgentProfile | None:
    if not user or not user.is_authenticated or not user.is_active:
        return None
    return AgentProfile.objects.select_related("user").filter(user=user).first()


def _groups_at_connect(profile: AgentProfile) -> tuple[list[str], list[str]]:
    """The agent's fixed groups, and the conversations they hold right now."""
    groups = [realtime.agent_group(profile.user_id)]
    if profile.is_supervisor:
        # Every queue frame also goes to the supervisors group; joining queue groups too
        # would deliver each twice.
        groups.append(realtime.SUPERVISORS)
    else:
        groups += [realtime.queue_group(pk) for pk in profile.queues.values_list("pk", flat=True)]
    held = [
        str(pk)
        for pk in Conversation.objects.filter(agent_id=profile.user_id, status=ConversationStatus.ASSIGNED).values_list(
            "pk", flat=True
        )
    ]
    return groups, held


def _ticket_groups(profile: AgentProfile) -> list[str]:
    """A tickets page's groups: the same scope as its reads (selectors/tickets.py)."""
    if profile.is_supervisor:
        return [realtime.TICKETS_SUPERVISORS]
    queues = profile.queues.values_list("pk", flat=True)
    return [realtime.tickets_agent_group(profile.user_id), *(realtime.tickets_queue_group(pk) for pk in queues)]


def _packet_for_agent(conversation_id: str, profile: AgentProfile) -> dict[str, Any]:
    return conversation_packet(conversation_get_for_agent(conversation_id, profile))


class AgentConsumer(JsonFrameConsumer):
    profile: AgentProfile

    async def connect(self) -> None:
        profile = await db(_profile_for)(self.scope.get("user"))
        if profile is None:
            await self.close(code=4401)
            return
        self.profile = profile
        view = self._view()
        if view == "desk":
            await self._connect_desk()
            return
        if view == "tickets":
            await self._connect_listener(await db(_ticket_groups)(profile))
            return
        self.bucket = TokenBucket(
            rate=settings.HELPDESK_AGENT_RATE["rate_per_second"], burst=settings.HELPDESK_AGENT_RATE["burst"]
        )
        self.last_typing: dict[str, float] = {}
        # conversation id -> highest message id already sent for it; frames at or below it
        # are duplicates of what a packet already carried.
        self.seen: dict[str, int] = {}
        self.held: set[str] = set()
        self.watched: set[str] = set()
        groups, held = await db(_groups_at_connect)(profile)
        self.groups_joined = list(groups)
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        for conversation_id in held:
            await self._join_conversation(conversation_id)
            self.held.add(conversation_id)
        await self.accept()
        await db(agent_connected)(user_id=profile.user_id, connection=self.channel_name)
        self.heartbeat = asyncio.create_task(self._beat())

    def _view(self) -> str | None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        return (query.get("view") or [None])[0]

    async def _connect_desk(self) -> None:
        if not self.profile.is_supervisor:
            await self.close(code=4403)
            return
        await self._connect_listener([realtime.DESK])

    async def _connect_listener(self, groups: list[str]) -> None:
        """A socket that only listens: no presence, no conversations, no actions."""
        self.desk_only = True
        self.groups_joined = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "profile"):
            return
        if getattr(self, "desk_only", False):
            for group in getattr(self, "groups_joined", []):
                await self.channel_layer.group_discard(group, self.channel_name)
            return
        if getattr(self, "heartbeat", None):
            self.heartbeat.cancel()
        # Presence first: a layer that fails below must not leave the agent online. Shielded:
        # daphne cancels an application that is still busy `application_close_timeout` after
        # its socket closed (a loaded box, a write lock held by a bot turn); cancelled before its
        # thread started, the write would never run and the agent would stay online, handed
        # chats nobody answers. The shielded write finishes on its own.
        await asyncio.shield(db(agent_disconnected)(user_id=self.profile.user_id, connection=self.channel_name))
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _beat(self) -> None:
        """While this socket lives, its presence entry stays fresh (helpdesk/infrastructure/presence.py); if
        this process dies, the entry expires and the agent stops counting as online."""
        while True:
            await asyncio.sleep(settings.HELPDESK_PRESENCE_HEARTBEAT_SECONDS)
            try:
                await db(agent_heartbeat)(user_id=self.profile.user_id, connection=self.channel_name)
            except Exception:  # noqa: BLE001 - Redis or the database away: try again next beat
                logger.warning("presence heartbeat failed", exc_info=True)

    async def _join_conversation(self, conversation_id: str) -> None:
        group = realtime.staff_group(conversation_id)
        if group not in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)

    async def _leave_conversation(self, conversation_id: str) -> None:
        group = realtime.staff_group(conversation_id)
        if conversation_id in self.held or conversation_id in self.watched:
            return
        if group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.remove(group)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame: dict[str, Any] = {}
        try:
            frame = self.parse_frame(text_data, bytes_data)
            if getattr(self, "desk_only", False):
                raise FrameError("read_only", "This socket only listens.")
            handler = self.HANDLERS.get(frame["type"])
            if handler is None:
                raise FrameError("unknown_type", f"Unknown frame type {frame['type']!r}.")
            if frame["type"] != "typing" and not self.bucket.allow():
                raise FrameError("rate_limited", "Too many frames; slow down.")
            await handler(self, frame)
        except (FrameError, ServiceError) as exc:
            extra = {"action": frame.get("type")} if frame.get("type") else {}
            for key in ("conversation_id", "client_msg_id"):  # so the client knows which frame
                if isinstance(frame.get(key), str):
                    extra[key] = frame[key]
            await self.send_error(exc.code, exc.detail, **extra)

    def _conversation_id(self, frame: dict[str, Any]) -> str:
        value = frame.get("conversation_id")
        if not isinstance(value, str) or not value:
            raise FrameError("bad_frame", "This frame needs a 'conversation_id'.")
        return value

    async def _ok(self, action: str, conversation_id: str) -> None:
        await self.send_json({"type": "ok", "action": action, "conversation_id": conversation_id})

    async def on_accept(self, frame: dict[str, Any]) -> None:
        conversation_id = self._conversation_id(frame)
        await db(_checked_accept)(conversation_id, self.profile)
        await self._ok("accept", conversation_id)

    async def on_message(self, frame: dict[str, Any]) -> None:
        await self._post(frame, internal=False)

    async def on_note(self, frame: dict[str, Any]) -> None:
        await self._post(frame, internal=True)

    async def _post(self, frame: dict[str, Any], *, internal: bool) -> None:
        conversation_id = self._conversation_id(frame)
        message_id = await db(_agent_post)(
            conversation_id, self.profile, frame.get("body"), internal, frame.get("client_msg_id")
        )
        await self.send_json(
            {
                "type": "ok",
                "action": "note" if internal else "message",
                "conversation_id": conversation_id,
                "message_id": str(message_id),
                **({"client_msg_id": frame["client_msg_id"]} if isinstance(frame.get("client_msg_id"), str) else {}),
            }
        )

    async def on_resolve(self, frame: dict[str, Any]) -> None:
        conversation_id = self._conversation_id(frame)
        await db(_with_visible(conversation_resolve))(conversation_id, self.profile)
        await self._ok("resolve", conversation_id)

    async def on_handback(self, frame: dict[str, Any]) -> None:
        conversation_id = self._conversation_id(frame)
        await db(_with_visible(conversation_handback))(conversation_id, self.profile)
        await self._ok("handback", conversation_id)

    async def on_transfer(self, frame: dict[str, Any]) -> None:
        conversation_id = self._conversation_id(frame)
        queue = frame.get("queue")
        if not isinstance(queue, str) or not queue.strip():
            raise FrameError("bad_frame", "transfer needs a 'queue' name.")
        await db(_with_visible(conversation_transfer))(conversation_id, self.profile, queue_name=queue)
        await self._ok("transfer", conversation_id)

    async def on_typing(self, frame: dict[str, Any]) -> None:
        conversation_id = self._conversation_id(frame)
        if conversation_id not in self.held:
            return
        now = time.monotonic()
        if now - self.last_typing.get(conversation_id, 0.0) < 1.0:
            return
        self.last_typing[conversation_id] = now
        await self.channel_layer.group_send(
            realtime.customer_group(conversation_id),
            {"type": "customer.frame", "frame": {"type": "typing", "sender": "agent"}},
        )

    async def on_watch(self, frame: dict[str, Any]) -> None:
        conversation_id = self._conversation_id(frame)
        await db(_visible)(conversation_id, self.profile)
        # Join first, then read: anything committed after the read arrives through the group,
        # and the packet sent back covers everything before it.
        await self._join_conversation(conversation_id)
        self.watched.add(conversation_id)
        packet = await db(_packet_for_agent)(conversation_id, self.profile)
        self._mark_seen(conversation_id, packet)
        await self.send_json(
            {"type": "ok", "action": "watch", "conversation_id": conversation_id, "conversation": packet}
        )

    async def on_unwatch(self, frame: dict[str, Any]) -> None:
        conversation_id = self._conversation_id(frame)
        self.watched.discard(conversation_id)
        await self._leave_conversation(conversation_id)
        await self._ok("unwatch", conversation_id)

    async def on_rate_bot(self, frame: dict[str, Any]) -> None:
        conversation_id = self._conversation_id(frame)
        rating = frame.get("rating")
        if rating not in ("up", "down"):
            raise FrameError("bad_frame", "rate_bot needs 'rating': 'up' or 'down'.")
        await db(_with_visible_agent(conversation_rate_bot))(
            conversation_id, self.profile, helpful=rating == "up", correct_intent=frame.get("intent") or None
        )
        await self._ok("rate_bot", conversation_id)

    async def on_presence(self, frame: dict[str, Any]) -> None:
        await db(agent_set_presence)(user_id=self.profile.user_id, presence=frame.get("status"))

    HANDLERS = {
        "accept": on_accept,
        "message": on_message,
        "note": on_note,
        "resolve": on_resolve,
        "handback": on_handback,
        "transfer": on_transfer,
        "typing": on_typing,
        "watch": on_watch,
        "unwatch": on_unwatch,
        "presence": on_presence,
        "rate_bot": on_rate_bot,
    }

    # --- group events ---------------------------------------------------------------------

    def _mark_seen(self, conversation_id: str, packet: dict[str, Any]) -> None:
        ids = [int(m["id"]) for m in packet.get("transcript", [])]
        self.seen[conversation_id] = max([self.seen.get(conversation_id, 0), *ids])

    async def agent_frame(self, event: dict[str, Any]) -> None:
        await self.send_json(event["frame"])

    async def agent_message(self, event: dict[str, Any]) -> None:
        conversation_id = event["conversation_id"]
        message_id = int(event["message"]["id"])
        # Message ids grow in commit order within a conversation (taken under its row lock),
        # so anything at or below what a packet already carried is a duplicate.
        if message_id <= self.seen.get(conversation_id, 0):
            return
        self.seen[conversation_id] = message_id
        await self.send_json({"type": "message", "conversation_id": conversation_id, "message": event["message"]})

    async def agent_assigned(self, event: dict[str, Any]) -> None:
        conversation_id = event["conversation_id"]
        await self._join_conversation(conversation_id)
        self.held.add(conversation_id)
        try:
            packet = await db(_packet_for_agent)(conversation_id, self.profile)
        except Unavailable:
            raise  # the socket closes and the inbox reconnects and reloads what it holds
        except ServiceError:
            return
        self._mark_seen(conversation_id, packet)
        await self.send_json({"type": "conversation.assigned", "conversation": packet})

    async def agent_unassigned(self, event: dict[str, Any]) -> None:
        conversation_id = event["conversation_id"]
        self.held.discard(conversation_id)
        await self._leave_conversation(conversation_id)
        await self.send_json(
            {"type": "conversation.unassigned", "conversation_id": conversation_id, "status": event["status"]}
        )


def _visible(conversation_id: str, profile: AgentProfile) -> None:
    conversation_get_for_agent(conversation_id, profile)


def _with_visible(service):
    def call(conversation_id: str, profile: AgentProfile, **kwargs: Any):
        _visible(conversation_id, profile)
        return service(conversation_id=conversation_id, actor=profile, **kwargs)

    return call


def _with_visible_agent(service):
    def call(conversation_id: str, profile: AgentProfile, **kwargs: Any):
        _visible(conversation_id, profile)
        return service(conversation_id=conversation_id, agent=profile, **kwargs)

    return call


def _checked_accept(conversation_id: str, profile: AgentProfile) -> None:
    _visible(conversation_id, profile)
    conversation_accept(conversation_id=conversation_id, agent_user_id=profile.user_id)


def _agent_post(conversation_id: str, profile: AgentProfile, body: Any, internal: bool, client_msg_id: Any) -> int:
    conversation_get_for_agent(conversation_id, profile)  # may this agent see it at all?
    post = note_post if internal else agent_reply_post
    message, _ = post(
        conversation_id=conversation_id,
        author=profile.user,
        author_name=profile.display_name,
        body=body,
        client_msg_id=client_msg_id if isinstance(client_msg_id, str) else None,
    )
    return message.pk
