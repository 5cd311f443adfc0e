"""Between the bot and the humans: handoff, claim, transfer, resolve, hand back."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .. import events, realtime
from ..errors import PermissionDenied, ServiceError
from ..frames import conversation_summary
from ..locks import lock_agent, lock_conversation
from ..models import (
    AgentProfile,
    Conversation,
    ConversationEvent,
    ConversationStatus,
    EventKind,
    Message,
    Presence,
    Priority,
    Queue,
)
from ..selectors.conversations import conversation_packet_by_id
from ..selectors.queues import online_capacity, queue_position, queue_wait_estimate
from .lifecycle import push_queue_positions, release_agent, set_status
from .messages import assert_status, bot_say, system_say

CALLBACK_OPTION = {"label": "Request a callback", "value": "callback"}


def humanize_wait(seconds: int) -> str:
    if seconds < 90:
        return "about a minute"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} minutes"
    hours = round(minutes / 60)
    return "about an hour" if hours == 1 else f"about {hours} hours"


def conversation_request_handoff(
    *,
    conversation_id: uuid.UUID | str,
    trigger: str,
    actor_type: str,
    queue_name: str | None = None,
    priority: int | None = None,
) -> bool:
    """Ask for a human. Routing (a subscriber) picks the queue and calls `conversation_handoff`.

    Returns False when the conversation is not with the bot (already waiting, with an agent,
    or ended): asking twice does nothing.
    """
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        if conversation.status != ConversationStatus.BOT:
            return False
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.HANDOFF_REQUESTED,
            actor_type=actor_type,
            new_value=trigger,
            data={"queue": queue_name, "priority": priority},
        )
        events.publish(
            "conversation.handoff_requested",
            conversation_id=str(conversation.pk),
            trigger=trigger,
            queue_name=queue_name,
            priority=priority,
        )
    return True


def default_queue() -> Queue:
    queue = (
        Queue.objects.filter(is_default=True).first()
        or Queue.objects.filter(name=settings.HELPDESK_DEFAULT_QUEUE).first()
    )
    if queue is None:
        queue, _ = Queue.objects.get_or_create(name=settings.HELPDESK_DEFAULT_QUEUE, defaults={"is_default": True})
    return queue


def conversation_handoff(
    *,
    conversation_id: uuid.UUID | str,
    queue: Queue,
    trigger: str,
    priority: int | None = None,
    actor_type: str = "system",
    rule_trigger: str | None = None,
) -> bool:
    """Move a conversation from the bot into a human queue. False if it is not with the bot.
    `priority` only raises it; `rule_trigger`: an on_handoff rule that chose the queue names
    why, logged beside the trigger that asked (which stays the conversation's)."""
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        if conversation.status != ConversationStatus.BOT:
            return False
        now = timezone.now()
        conversation.queue = queue
        conversation.queued_at = now
        fields = ["queue", "queued_at"]
        if priority is not None and priority > conversation.priority:
            conversation.priority = priority
            fields.append("priority")
        if conversation.first_handoff_at is None:
            # The first handoff's trigger is the one analytics splits escalations by.
            conversation.first_handoff_at = now
            conversation.handoff_trigger = trigger
            fields += ["first_handoff_at", "handoff_trigger"]
        conversation.save(update_fields=fields)
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.HANDOFF,
            actor_type=actor_type,
            old_value=ConversationStatus.BOT,
            new_value=queue.name,
            data={
                "trigger": trigger,
                "queue": queue.name,
                "priority": Priority(conversation.priority).label,
                **({"rule_trigger": rule_trigger} if rule_trigger else {}),
            },
        )
        set_status(conversation, ConversationStatus.QUEUED, actor_type=actor_type)
        _announce_queue(conversation, intro=f"I'm connecting you with our {queue.name} team")
    return True


def _announce_queue(conversation: Conversation, *, intro: str) -> None:
    """The customer hears where they are and how long it is likely to take; the queue's agents
    get the packet. Inside the transaction."""
    position = queue_position(conversation)
    wait = queue_wait_estimate(conversation.queue, position)
    agents_online, _, _ = online_capacity(conversation.queue)
    collected = conversation.collected or {}
    if collected.get("order_number"):
        also = " and the damage" if collected.get("damage") else ""
        intro = f"I've noted your order {collected['order_number']}{also}. {intro}"
    body = (
        f"{intro}. You're number {position} in line — {humanize_wait(wait)}. "
        "You can keep writing here; everything you add will be seen."
    )
    options: list[dict[str, str]] = []
    if agents_online == 0 or wait > conversation.queue.callback_after_seconds:
        # A long wait, or nobody there right now: let the customer leave instead of waiting.
        body += " If you'd rather not wait, we can get back to you by email."
        options = [CALLBACK_OPTION]
    system_say(conversation_id=conversation.pk, body=body, options=options)
    realtime.after_commit(
        realtime.customer_frame,
        conversation.pk,
        {
            "type": "handoff",
            "queue": conversation.queue.name,
            "agent_name": None,
            "position": position,
            "estimated_wait_seconds": wait,
        },
    )
    realtime.after_commit(_push_queued, conversation.pk, conversation.queue_id)
    # Routing assigns it to a free agent, if there is one (after the pushes above).
    events.publish("conversation.queued", conversation_id=str(conversation.pk), queue_id=conversation.queue_id)


def _push_queued(conversation_id: uuid.UUID, queue_id: int) -> None:
    packet = conversation_packet_by_id(conversation_id)
    realtime.agents_frame(realtime.queue_audience(queue_id), {"type": "conversation.queued", "conversation": packet})
    push_queue_positions(queue_id, conversation_id)


def _push_left_queue(conversation_id: uuid.UUID, queue_id: int) -> None:
    conversation = Conversation.objects.select_related("queue", "customer", "agent__agent").get(pk=conversation_id)
    realtime.agents_frame(
        [realtime.queue_group(queue_id)],
        {"type": "conversation.updated", "conversation": conversation_summary(conversation)},
    )
    push_queue_positions(queue_id, None)


def agent_may_work(profile: AgentProfile, conversation: Conversation) -> bool:
    return profile.is_supervisor or profile.queues.filter(pk=conversation.queue_id).exists()


def conversation_accept(*, conversation_id: uuid.UUID | str, agent_user_id: int) -> Conversation:
    """An agent claims a waiting conversation.

    Race: two agents accept the same conversation at once. The conditional UPDATE ... WHERE
    status = 'queued' is the claim; exactly one UPDATE changes the row, the other finds it
    already taken. Race: one agent accepts two conversations at once from two tabs. The
    agent's profile row lock makes the capacity check and the claim one step.
    """
    with transaction.atomic():
        profile = lock_agent(agent_user_id)
        conversation = Conversation.objects.filter(pk=conversation_id).select_related("queue").first()
        if conversation is None:
            raise ServiceError("not_found", "No such conversation.")
        if not agent_may_work(profile, conversation):
            raise PermissionDenied("This conversation waits in a queue you do not work.")
        if conversation.status == ConversationStatus.ASSIGNED and conversation.agent_id == agent_user_id:
            # Already yours (routing assigned it as you came online): accepting again is a no-op.
            return conversation
        if conversation.status not in (ConversationStatus.QUEUED, ConversationStatus.ASSIGNED):
            raise ServiceError(
                "invalid_state", f"The conversation is {conversation.status}; only a waiting one can be accepted."
            )
        held = Conversation.objects.filter(agent_id=agent_user_id, status=ConversationStatus.ASSIGNED).count()
        if held >= profile.max_concurrent_chats:
            raise ServiceError("at_capacity", f"You already hold {held} chats, your maximum.")
        now = timezone.now()
        claimed = Conversation.objects.filter(pk=conversation.pk, status=ConversationStatus.QUEUED).update(
            agent_id=agent_user_id,
            assigned_at=now,
            first_assigned_at=Coalesce("first_assigned_at", Value(now)),
        )
        if not claimed:
            raise ServiceError("already_taken", "Someone else took this conversation first.")
        conversation = lock_conversation(conversation.pk)
        profile.last_assigned_at = now
        profile.save(update_fields=["last_assigned_at"])
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.ACCEPTED,
            actor_type="agent",
            actor=profile.user,
            new_value=profile.display_name,
        )
        set_status(conversation, ConversationStatus.ASSIGNED, actor_type="agent", actor=profile.user)
        team = conversation.queue.name if conversation.queue_id else "support"
        system_say(
            conversation_id=conversation.pk, body=f"{profile.display_name} from our {team} team has joined the chat."
        )
        realtime.after_commit(
            realtime.customer_frame, conversation.pk, {"type": "assigned", "agent_name": profile.display_name}
        )
        realtime.after_commit(realtime.agent_assigned, agent_user_id, conversation.pk)
    return conversation


def _holder_or_supervisor(profile: AgentProfile, conversation: Conversation) -> None:
    if conversation.agent_id == profile.user_id or profile.is_supervisor:
        return
    raise PermissionDenied("Only the agent holding this conversation (or a supervisor) may do that.")


def conversation_transfer(*, conversation_id: uuid.UUID | str, actor: AgentProfile, queue_name: str) -> Conversation:
    queue = Queue.objects.filter(name__iexact=(queue_name or "").strip()).first()
    if queue is None:
        raise ServiceError("unknown_queue", f"There is no queue named {queue_name!r}.")
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        assert_status(conversation, ConversationStatus.ASSIGNED, ConversationStatus.QUEUED)
        if conversation.status == ConversationStatus.ASSIGNED:
            _holder_or_supervisor(actor, conversation)
        elif not agent_may_work(actor, conversation):
            raise PermissionDenied()
        old_queue = conversation.queue
        old_agent = conversation.agent_id
        # Status first: the row may not be `assigned` without an agent, even for a statement.
        set_status(conversation, ConversationStatus.QUEUED, actor_type="agent", actor=actor.user)
        conversation.queue = queue
        conversation.agent = None
        conversation.queued_at = timezone.now()
        conversation.save(update_fields=["queue", "agent", "queued_at"])
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.TRANSFERRED,
            actor_type="agent",
            actor=actor.user,
            old_value=old_queue.name if old_queue else "",
            new_value=queue.name,
            data={"from_agent": old_agent, "to_queue": queue.name},
        )
        if old_queue is not None and old_queue.pk != queue.pk:
            # The old queue's inboxes drop it and its waiting customers move up.
            realtime.after_commit(_push_left_queue, conversation.pk, old_queue.pk)
        if old_agent:
            release_agent(old_agent, conversation.pk, ConversationStatus.QUEUED)
        _announce_queue(conversation, intro=f"I'm transferring you to our {queue.name} team")
    return conversation


def conversation_resolve(
    *, conversation_id: uuid.UUID | str, actor: AgentProfile | None, actor_type: str = "agent"
) -> Conversation:
    """Resolve, and ask the customer for a rating."""
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        if actor is not None:
            assert_status(conversation, ConversationStatus.ASSIGNED, ConversationStatus.QUEUED, ConversationStatus.BOT)
            _holder_or_supervisor(actor, conversation)
        else:
            assert_status(conversation, ConversationStatus.BOT)
        previous_agent = conversation.agent_id
        now = timezone.now()
        conversation.resolved_at = now
        conversation.csat_requested_at = now
        last = (
            Message.objects.filter(conversation=conversation, sender="customer").order_by("-id").values("data").first()
        )
        reading = ((last or {}).get("data") or {}).get("prediction") or {}
        conversation.sentiment_at_resolution = reading.get("sentiment_score")
        conversation.save(update_fields=["resolved_at", "csat_requested_at", "sentiment_at_resolution"])
        user = actor.user if actor else None
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.RESOLVED,
            actor_type=actor_type,
            actor=user,
            old_value=conversation.status,
        )
        set_status(conversation, ConversationStatus.RESOLVED, actor_type=actor_type, actor=user)
        system_say(conversation_id=conversation.pk, body="This conversation is resolved. Thank you for contacting us!")
        ConversationEvent.objects.create(conversation=conversation, kind=EventKind.CSAT_REQUESTED, actor_type="system")
        realtime.after_commit(realtime.customer_frame, conversation.pk, {"type": "csat_request", "scale": 5})
        if previous_agent:
            release_agent(previous_agent, conversation.pk, ConversationStatus.RESOLVED)
    return conversation


def conversation_handback(*, conversation_id: uuid.UUID | str, actor: AgentProfile) -> Conversation:
    """The agent returns the conversation to the bot, e.g. to confirm and close."""
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        assert_status(conversation, ConversationStatus.ASSIGNED)
        _holder_or_supervisor(actor, conversation)
        previous_agent = conversation.agent_id
        ConversationEvent.objects.create(
            conversation=conversation, kind=EventKind.HANDED_BACK, actor_type="agent", actor=actor.user
        )
        set_status(conversation, ConversationStatus.BOT, actor_type="agent", actor=actor.user)
        conversation.agent = None
        conversation.handed_back_at = timezone.now()
        conversation.bot_failures = 0  # a fresh start with the bot, not one failure from a handoff
        conversation.save(update_fields=["agent", "handed_back_at", "bot_failures"])
        # Published before the bot speaks: after commit, subscribers run (the bot notes that the
        # customer has had their answer) before the message below is pushed, so a customer who
        # clicks "That's all, thanks" at once is never read against the older state.
        events.publish("conversation.handed_back", conversation_id=str(conversation.pk))
        bot_say(
            conversation_id=conversation.pk,
            body="You're back with the automated assistant. Is there anything else I can help with? "
            "You can ask for a person again at any time.",
            options=[
                {"label": "That's all, thanks", "value": "That's all, thanks"},
                {"label": "Talk to a person", "value": "agent"},
            ],
            locked=conversation,
        )
        release_agent(previous_agent, conversation.pk, ConversationStatus.BOT)
    return conversation


def conversation_transfer_by_system(
    *, conversation_id: uuid.UUID | str, queue_id: int, reason: str = "overflow"
) -> Conversation:
    """Move a waiting conversation to another queue (overflow, or a periodic rule), keeping its
    place by wait."""
    queue = Queue.objects.get(pk=queue_id)
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        assert_status(conversation, ConversationStatus.QUEUED)
        old_queue = conversation.queue
        conversation.queue = queue
        conversation.save(update_fields=["queue"])
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.TRANSFERRED,
            actor_type="system",
            old_value=old_queue.name if old_queue else "",
            new_value=queue.name,
            data={"reason": reason, "to_queue": queue.name},
        )
        if old_queue is not None:
            realtime.after_commit(_push_left_queue, conversation.pk, old_queue.pk)
        _announce_queue(conversation, intro=f"To get you help sooner, I'm moving you to our {queue.name} team")
    return conversation


def conversation_requeue_from_offline_agent(*, conversation_id: uuid.UUID | str, agent_user_id: int) -> bool:
    """Put a chat back in its queue, at its old place, because its agent went offline while
    holding it and has stayed away the queue's `offline_requeue_seconds`. The customer hears it
    and routing gives it to the next free agent. False, doing nothing, when that no longer holds
    (the agent came back, someone else acted first)."""
    with transaction.atomic():
        # Agent before conversation: the order conversation_accept takes them in.
        profile = lock_agent(agent_user_id)
        conversation = lock_conversation(conversation_id)
        if not (
            conversation.status == ConversationStatus.ASSIGNED
            and conversation.agent_id == agent_user_id
            and offline_long_enough(profile, conversation, timezone.now())
        ):
            return False
        set_status(conversation, ConversationStatus.QUEUED, actor_type="system")
        conversation.agent = None
        conversation.save(update_fields=["agent"])  # queued_at stands: it keeps its place
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.TRANSFERRED,
            actor_type="system",
            old_value=conversation.queue.name,
            new_value=conversation.queue.name,
            data={"reason": "agent_offline", "from_agent": agent_user_id, "to_queue": conversation.queue.name},
        )
        release_agent(agent_user_id, conversation.pk, ConversationStatus.QUEUED)
        _announce_queue(
            conversation,
            intro=f"{profile.display_name} has lost their connection, so I'm putting you back in line "
            f"for our {conversation.queue.name} team",
        )
    return True


def offline_long_enough(profile: AgentProfile, conversation: Conversation, now: datetime) -> bool:
    """The agent went offline after taking this chat (an agent working only over the API was
    never online for it) and has been away at least the queue's `offline_requeue_seconds`."""
    seconds = conversation.queue.offline_requeue_seconds if conversation.queue_id else None
    since = profile.presence_changed_at
    return (
        seconds is not None
        and profile.presence == Presence.OFFLINE
        and since is not None
        and conversation.assigned_at is not None
        and since > conversation.assigned_at
        and (now - since).total_seconds() >= seconds
    )
