"""Skills, capacity and presence decide who gets a waiting conversation."""

from __future__ import annotations

import pytest

from bots.models import FlowState
from helpdesk.models import AgentProfile, Conversation, Customer, Presence
from helpdesk.services.closing import conversation_resolve
from helpdesk.services.conversations import conversation_start
from helpdesk.services.handoff import conversation_request_handoff
from tests.support.people import make_agent

pytestmark = pytest.mark.django_db(transaction=True)


def online(profile: AgentProfile) -> AgentProfile:
    AgentProfile.objects.filter(pk=profile.pk).update(presence=Presence.ONLINE)
    profile.refresh_from_db()
    return profile


def handed_off(name: str = "c", *, queue: str | None = None, email: str | None = None) -> Conversation:
    conversation, _ = conversation_start(name=name, email=email)
    conversation_request_handoff(
        conversation_id=conversation.pk, trigger="topic_rule", actor_type="bot", queue_name=queue
    )
    conversation.refresh_from_db()
    return conversation


def test_a_handoff_goes_at_once_to_the_least_loaded_online_agent(queues) -> None:
    busy = online(make_agent("busy", [queues["General"]]))
    free = online(make_agent("free", [queues["General"]]))
    make_agent("offline", [queues["General"]])  # never gets anything
    first = handed_off("a")
    assert first.status == "assigned"
    second = handed_off("b")
    assert {first.agent_id, second.agent_id} == {busy.user_id, free.user_id}


def test_nobody_online_means_it_waits_and_an_agent_coming_online_takes_it(queues) -> None:
    from helpdesk.services.agents import agent_set_presence

    grace = make_agent("grace2", [queues["General"]])
    waiting = handed_off("w")
    assert waiting.status == "queued"
    agent_set_presence(user_id=grace.user_id, presence="online")
    waiting.refresh_from_db()
    assert waiting.status == "assigned" and waiting.agent_id == grace.user_id


def test_skills_decide_an_agent_of_another_queue_gets_nothing(queues, outsider) -> None:
    online(outsider)  # works Billing only
    conversation = handed_off("g")
    assert conversation.status == "queued"


def test_billing_full_then_vip_jumps_the_line_and_gets_the_freed_slot(queues) -> None:
    """The issue's scenario: the Billing agent holds 3 chats; the next dispute waits first in
    line; a VIP's dispute arriving later is placed before it; when the agent resolves one,
    the VIP's is assigned."""
    from helpdesk.selectors.queues import queue_position

    ben = online(make_agent("ben", [queues["Billing"]], capacity=3))
    held = [handed_off(f"held{i}", queue="Billing") for i in range(3)]
    assert all(c.status == "assigned" and c.agent_id == ben.user_id for c in held)
    regular = handed_off("regular", queue="Billing")
    assert regular.status == "queued" and queue_position(regular) == 1
    Customer.objects.create(email="vip@example.com", tier="vip")
    vip = handed_off("vip", queue="Billing", email="vip@example.com")
    regular.refresh_from_db()
    assert vip.status == "queued" and queue_position(vip) == 1 and queue_position(regular) == 2

    conversation_resolve(conversation_id=held[0].pk, actor=ben)
    vip.refresh_from_db()
    regular.refresh_from_db()
    assert vip.status == "assigned" and vip.agent_id == ben.user_id
    assert regular.status == "queued" and queue_position(regular) == 1


def test_a_queue_without_auto_assignment_leaves_the_pick_to_agents(queues) -> None:
    queues["General"].auto_assign = False
    queues["General"].save()
    online(make_agent("picker", [queues["General"]]))
    assert handed_off("m").status == "queued"


def test_with_nobody_online_the_customer_may_leave_an_email_for_a_callback_ticket(queues) -> None:
    from helpdesk.models import Message, Sender, Ticket
    from helpdesk.services.messages import customer_message_post

    conversation = handed_off("Nia")
    assert conversation.status == "queued"
    offer = Message.objects.filter(conversation=conversation, sender=Sender.SYSTEM).last()
    assert {"label": "Request a callback", "value": "Request a callback"} in offer.options
    customer_message_post(conversation_id=conversation.pk, body="callback")
    ask = Message.objects.filter(conversation=conversation, sender=Sender.BOT).last()
    assert "email" in ask.body.lower()
    customer_message_post(conversation_id=conversation.pk, body="it's nia@example.com thanks")
    ticket = Ticket.objects.get(conversation=conversation)
    assert ticket.customer.email == "nia@example.com" and ticket.queue.name == "General" and ticket.due_at
    assert "callback" in ticket.description.lower() and "Transcript:" in ticket.description
    confirm = Message.objects.filter(conversation=conversation, sender=Sender.BOT).last()
    assert f"#{ticket.pk}" in confirm.body and "nia@example.com" in confirm.body


def test_rule_tags_land_on_the_conversation(queues) -> None:
    from helpdesk.services.messages import customer_message_post
    from routing.rules.loader import forget
    from routing.services import rules_import

    rules_import(
        [
            {
                "name": "tag shipping questions",
                "stage": "on_message",
                "order": 1,
                "enabled": True,
                "stop_after": False,
                "conditions": {"match": "all", "items": [{"type": "text_contains", "words": ["shipping"]}]},
                "actions": [{"type": "add_tag", "tag": "shipping"}, {"type": "notify_supervisors", "message": "fyi"}],
            }
        ]
    )
    forget()
    conversation, _ = conversation_start(name="Tag")
    customer_message_post(conversation_id=conversation.pk, body="how much is shipping to Spain?")
    conversation.refresh_from_db()
    assert conversation.tags == ["shipping"] and conversation.status == "bot"


def _ago(seconds: float):
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() - timedelta(seconds=seconds)


def _gone_for(profile: AgentProfile, seconds: float) -> None:
    """The agent closed their last inbox socket `seconds` ago."""
    AgentProfile.objects.filter(pk=profile.pk).update(presence=Presence.OFFLINE, presence_changed_at=_ago(seconds))


def _held_since(conversation: Conversation, seconds: float) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(assigned_at=_ago(seconds))


def test_a_chat_whose_agent_went_offline_goes_back_to_its_place_and_to_the_next_agent(queues) -> None:
    from helpdesk.models import ConversationEvent, Message
    from helpdesk.services.agents import agents_requeue_offline_chats

    gone = online(make_agent("gone", [queues["General"]], capacity=1))
    stranded = handed_off("stranded")
    assert stranded.agent_id == gone.user_id
    queued_at = stranded.queued_at
    newer = handed_off("newer")  # the agent is full: it waits
    assert newer.status == "queued"
    _held_since(stranded, 600)
    _gone_for(gone, 30)
    assert agents_requeue_offline_chats() == 0  # the queue's 120 s have not passed
    _gone_for(gone, 121)
    stay = online(make_agent("stay", [queues["General"]], capacity=1))

    assert agents_requeue_offline_chats() == 1
    stranded.refresh_from_db()
    newer.refresh_from_db()
    # Back at its old place, ahead of the chat that came later, so the free agent got it.
    assert stranded.queued_at == queued_at
    assert (stranded.status, stranded.agent_id) == ("assigned", stay.user_id)
    assert newer.status == "queued"
    told = Message.objects.filter(conversation=stranded, sender="system").order_by("seq")
    assert any("Gone has lost their connection" in m.body for m in told)
    event = ConversationEvent.objects.get(conversation=stranded, kind="transferred")
    assert event.data["reason"] == "agent_offline" and event.actor_type == "system"
    assert agents_requeue_offline_chats() == 0  # nothing twice


def test_chats_stay_with_an_agent_who_is_away_never_connected_or_whose_queue_keeps_them(queues) -> None:
    from helpdesk.models import Queue
    from helpdesk.services.agents import agents_requeue_offline_chats

    away = online(make_agent("away", [queues["General"]]))
    kept = handed_off("kept")
    _held_since(kept, 3600)
    AgentProfile.objects.filter(pk=away.pk).update(presence=Presence.AWAY, presence_changed_at=_ago(600))
    # Works over the API only: offline since before the chat was taken, never online for it.
    api_only = make_agent("api_only", [queues["Billing"]])
    _gone_for(api_only, 600)
    from helpdesk.services.claims import conversation_accept

    billing = handed_off("billing", queue="Billing")
    conversation_accept(conversation_id=billing.pk, agent_user_id=api_only.user_id)
    # A queue that keeps chats with their agent, however long they are gone.
    Queue.objects.filter(name="Tech").update(offline_requeue_seconds=None)
    keeper = online(make_agent("keeper", [queues["Tech"]]))
    tech = handed_off("tech", queue="Tech")
    _held_since(tech, 7200)
    _gone_for(keeper, 3600)

    assert agents_requeue_offline_chats() == 0
    assert list(
        Conversation.objects.filter(pk__in=[kept.pk, billing.pk, tech.pk]).values_list("status", flat=True)
    ) == ["assigned"] * 3


def test_a_callback_turn_run_twice_opens_one_ticket_and_answers_once(queues) -> None:
    """A bot task handed out again while its first run still works (docs/faults.md) reads the
    same customer message twice."""
    from bots.services.callback import handle_while_queued
    from helpdesk.models import Message, Sender, Ticket
    from helpdesk.services.messages import customer_message_post

    conversation = handed_off("Ola", email="ola@example.com")
    asked, _ = customer_message_post(conversation_id=conversation.pk, body="callback")
    answers = Message.objects.filter(conversation=conversation, sender=Sender.BOT, data__in_reply_to=asked.pk)
    ticket = Ticket.objects.get(conversation=conversation)
    assert answers.count() == 1

    # The second run read the bot's state before the first one recorded the ticket.
    FlowState.objects.filter(pk=conversation.pk).update(callback_ticket=None)
    stale = Message.objects.select_related("conversation__customer", "conversation__bot_state").get(pk=asked.pk)
    FlowState.objects.filter(pk=conversation.pk).update(callback_ticket=ticket.pk)
    assert handle_while_queued(stale) is True
    assert list(Ticket.objects.filter(conversation=conversation)) == [ticket] and answers.count() == 1


def test_a_callback_whose_chat_closed_meanwhile_keeps_its_ticket(queues) -> None:
    """The customer gave their email, then closed the chat before the bot's turn opened the
    ticket: the ticket stands, with no confirmation for nobody."""
    from bots.services.callback import _open_ticket
    from helpdesk.models import Message, Sender, Ticket
    from helpdesk.services.conversations import conversation_close_by_customer

    conversation = handed_off("Uma", email="uma@example.com")
    conversation_close_by_customer(conversation_id=conversation.pk)
    _open_ticket(conversation.pk, {"in_reply_to": 0})
    ticket = Ticket.objects.get(conversation=conversation)
    assert FlowState.objects.get(pk=conversation.pk).callback_ticket == ticket.pk
    assert not Message.objects.filter(conversation=conversation, sender=Sender.BOT, data__in_reply_to=0).exists()


def test_a_heartbeat_that_lands_after_the_socket_closed_does_not_bring_the_agent_back(queues) -> None:
    """The inbox socket's beat runs on a thread the close cannot stop: one that lands after the
    close took the agent offline leaves them offline (nobody would answer their chats)."""
    from helpdesk.services.agents import agent_connected, agent_disconnected, agent_heartbeat

    grace = make_agent("grace_beat", [queues["General"]])
    agent_connected(user_id=grace.user_id, connection="inbox.1")
    agent_heartbeat(user_id=grace.user_id, connection="inbox.1")
    grace.refresh_from_db()
    assert (grace.presence, grace.open_connections) == (Presence.ONLINE, 1)
    agent_disconnected(user_id=grace.user_id, connection="inbox.1")
    agent_heartbeat(user_id=grace.user_id, connection="inbox.1")  # the late beat
    grace.refresh_from_db()
    assert (grace.presence, grace.open_connections) == (Presence.OFFLINE, 0)
