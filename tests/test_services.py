"""The kernel's write paths, on the embedded database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.errors import PermissionDenied, ServiceError
from helpdesk.models import ConversationEvent, ConversationStatus, Customer, Message, Sender
from helpdesk.selectors.conversations import conversation_packet, customer_state, messages_after
from helpdesk.services.claims import conversation_accept
from helpdesk.services.closing import conversation_handback, conversation_resolve
from helpdesk.services.conversations import (
    conversation_close_by_customer,
    conversation_start,
    conversations_sweep_inactive,
    csat_submit,
)
from helpdesk.services.handoff import conversation_request_handoff
from helpdesk.services.messages import customer_message_post, note_post
from helpdesk.services.transfers import conversation_transfer

pytestmark = pytest.mark.django_db(transaction=True)


def say(conversation, body, **kw):
    return customer_message_post(conversation_id=conversation.pk, body=body, **kw)


def handed_off(conversation):
    conversation_request_handoff(conversation_id=conversation.pk, trigger="explicit_request", actor_type="customer")
    conversation.refresh_from_db()
    return conversation


def test_start_greets_as_automated_and_identifies_the_customer(queues, started) -> None:
    conversation, token = started
    first = Message.objects.get(conversation=conversation, seq=1)
    assert first.sender == Sender.BOT and "automated" in first.author_name.lower() and "automated" in first.body
    again, _ = conversation_start(email="DANA@example.com")
    assert again.customer_id == conversation.customer_id
    assert Customer.objects.count() == 1
    assert len(token) > 30 and token not in conversation.token_hash


def test_seq_counts_visible_messages_and_notes_stay_outside(queues, agent, started) -> None:
    conversation, _ = started
    say(conversation, "hello")
    note_post(conversation_id=conversation.pk, body="note", author=agent.user, author_name="Agent")
    say(conversation, "anyone?")
    visible = list(Message.objects.filter(conversation=conversation, internal=False).values_list("seq", flat=True))
    assert visible == list(range(1, len(visible) + 1))
    assert Message.objects.get(internal=True).seq is None
    assert all(not m.internal for m in messages_after(conversation.pk, 0))


def test_repeated_client_msg_id_is_stored_once(queues, started) -> None:
    conversation, _ = started
    first, created = say(conversation, "once", client_msg_id="abc")
    again, created_again = say(conversation, "once", client_msg_id="abc")
    assert created and not created_again and first.pk == again.pk
    assert Message.objects.filter(conversation=conversation, client_msg_id="abc").count() == 1


def test_a_repeat_after_the_chat_ended_gets_the_stored_message_and_changes_nothing(queues, started) -> None:
    """A client that never saw its message stored sends it again after the chat ended: it gets
    the stored one back, whether the chat is closed for good or would re-open on a new message
    (a repeat is no new message: the chat stays resolved)."""
    from helpdesk.models import Conversation

    conversation, _ = started
    first, _ = say(conversation, "my parcel is late", client_msg_id="late-1")
    conversation_resolve(conversation_id=conversation.pk, actor=None, actor_type="bot")
    events_before = ConversationEvent.objects.filter(conversation=conversation).count()
    again, created = say(conversation, "my parcel is late", client_msg_id="late-1")
    assert (again.pk, created) == (first.pk, False)
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.RESOLVED
    assert ConversationEvent.objects.filter(conversation=conversation).count() == events_before

    Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.ABANDONED)
    again, created = say(conversation, "my parcel is late", client_msg_id="late-1")
    assert (again.pk, created) == (first.pk, False)
    with pytest.raises(ServiceError) as refused:
        say(conversation, "one more thing", client_msg_id="late-2")
    assert refused.value.code == "conversation_closed"


@pytest.mark.parametrize(
    ("body", "code"), [("", "empty_body"), ("   ", "empty_body"), ("x" * 4001, "too_long"), (7, "bad_frame")]
)
def test_bad_bodies_are_refused_and_nothing_is_stored(queues, started, body, code) -> None:
    conversation, _ = started
    before = Message.objects.count()
    with pytest.raises(ServiceError) as refused:
        say(conversation, body)
    assert refused.value.code == code
    assert Message.objects.count() == before


def test_explicit_request_hands_off_with_queue_and_wait(queues, started) -> None:
    conversation, _ = started
    say(conversation, "hi")
    conversation = handed_off(conversation)
    assert conversation.status == ConversationStatus.QUEUED
    assert conversation.queue.name == "General" and conversation.handoff_trigger == "explicit_request"
    assert conversation.first_handoff_at and conversation.queued_at
    system = Message.objects.filter(conversation=conversation, sender=Sender.SYSTEM).last()
    # Nobody is online: no wait is promised, the callback is offered at once.
    assert "General" in system.body and "Nobody from the team is online" in system.body
    assert [option["value"] for option in system.options] == ["Request a callback"]
    # Asking again changes nothing.
    assert conversation_request_handoff(conversation_id=conversation.pk, trigger="x", actor_type="customer") is False


def test_the_packet_keeps_the_intent_it_was_handed_over_with(queues, started) -> None:
    """chat-protocol.md: the packet's intent describes the conversation as handed over; each
    later message carries its own reading."""
    conversation, _ = started
    say(conversation, "I was charged twice for the same order, please refund the extra charge")
    conversation.refresh_from_db()
    assert (conversation.status, conversation.intent) == (ConversationStatus.QUEUED, "billing_dispute")
    later, _ = say(conversation, "where is my order A-1001?")
    later.refresh_from_db()
    conversation.refresh_from_db()
    assert later.data["prediction"]["intent"] == "order_status"
    assert conversation.intent == "billing_dispute"
    assert conversation_packet(conversation, include_internal=True)["intent"] == "billing_dispute"


def test_a_chat_handed_over_without_an_intent_keeps_none(queues, started) -> None:
    """The packet describes the chat as handed over, even with no intent read yet (the bot was
    unavailable, or the first words were out of scope): the agent-phase messages do not label it."""
    conversation = handed_off(started[0])
    conversation.refresh_from_db()
    before = (conversation.intent, conversation.intent_confidence)
    assert conversation.status == ConversationStatus.QUEUED and not before[0]
    later, _ = say(conversation, "where is my order A-1001?")
    later.refresh_from_db()
    conversation.refresh_from_db()
    assert later.data["prediction"]["intent"] == "order_status"
    assert (conversation.intent, conversation.intent_confidence) == before
    assert conversation_packet(conversation, include_internal=True)["intent"] is None


def test_vip_waits_at_high_priority(queues) -> None:
    Customer.objects.create(email="vip@example.com", tier="vip")
    conversation, _ = conversation_start(email="vip@example.com")
    conversation = handed_off(conversation)
    assert conversation.get_priority_display() == "high"


def test_accept_is_a_claim_exactly_one_wins(queues, agent, teammate, started) -> None:
    conversation = handed_off(started[0])
    conversation_accept(conversation_id=conversation.pk, agent_user_id=agent.user_id)
    with pytest.raises(ServiceError) as lost:
        conversation_accept(conversation_id=conversation.pk, agent_user_id=teammate.user_id)
    assert lost.value.code == "already_taken"
    conversation.refresh_from_db()
    assert conversation.agent_id == agent.user_id and conversation.status == "assigned"
    assert ConversationEvent.objects.filter(conversation=conversation, kind="accepted").count() == 1


def test_outsider_cannot_accept_and_nothing_changes(queues, outsider, started) -> None:
    conversation = handed_off(started[0])
    with pytest.raises(PermissionDenied):
        conversation_accept(conversation_id=conversation.pk, agent_user_id=outsider.user_id)
    conversation.refresh_from_db()
    assert conversation.status == "queued" and conversation.agent_id is None


def test_capacity_is_never_exceeded(queues, agent) -> None:
    agent.max_concurrent_chats = 2
    agent.save()
    conversations = [handed_off(conversation_start(name=f"c{i}")[0]) for i in range(3)]
    for conversation in conversations[:2]:
        conversation_accept(conversation_id=conversation.pk, agent_user_id=agent.user_id)
    with pytest.raises(ServiceError) as full:
        conversation_accept(conversation_id=conversations[2].pk, agent_user_id=agent.user_id)
    assert full.value.code == "at_capacity"


def test_transfer_resolve_and_csat(queues, agent, started) -> None:
    conversation = handed_off(started[0])
    conversation_accept(conversation_id=conversation.pk, agent_user_id=agent.user_id)
    conversation_transfer(conversation_id=conversation.pk, actor=agent, queue_name="tech")
    conversation.refresh_from_db()
    assert (conversation.status, conversation.queue.name, conversation.agent_id) == ("queued", "Tech", None)
    assert conversation.handoff_trigger == "explicit_request"  # the first trigger is kept
    tech = __import__("tests.conftest", fromlist=["make_agent"]).make_agent("tariq", [queues["Tech"]])
    conversation_accept(conversation_id=conversation.pk, agent_user_id=tech.user_id)
    conversation_resolve(conversation_id=conversation.pk, actor=tech)
    conversation.refresh_from_db()
    assert conversation.status == "resolved" and conversation.resolved_at and conversation.csat_requested_at
    csat_submit(conversation_id=conversation.pk, score=4, comment="ok")
    with pytest.raises(ServiceError) as twice:
        csat_submit(conversation_id=conversation.pk, score=5)
    assert twice.value.code == "already_rated"


@pytest.mark.parametrize("score", [0, 6, "5", 4.5, True, None])
def test_csat_score_must_be_1_to_5(queues, agent, started, score) -> None:
    conversation = handed_off(started[0])
    conversation_accept(conversation_id=conversation.pk, agent_user_id=agent.user_id)
    conversation_resolve(conversation_id=conversation.pk, actor=agent)
    with pytest.raises(ServiceError) as refused:
        csat_submit(conversation_id=conversation.pk, score=score)
    assert refused.value.code == "invalid_score"


def test_handback_returns_to_the_bot(queues, agent, started) -> None:
    conversation = handed_off(started[0])
    conversation_accept(conversation_id=conversation.pk, agent_user_id=agent.user_id)
    conversation_handback(conversation_id=conversation.pk, actor=agent)
    conversation.refresh_from_db()
    assert conversation.status == "bot" and conversation.agent_id is None and conversation.handed_back_at
    assert Message.objects.filter(conversation=conversation).last().sender == Sender.BOT


def test_teammate_cannot_resolve_someone_elses_chat(queues, agent, teammate, started) -> None:
    conversation = handed_off(started[0])
    conversation_accept(conversation_id=conversation.pk, agent_user_id=agent.user_id)
    with pytest.raises(PermissionDenied):
        conversation_resolve(conversation_id=conversation.pk, actor=teammate)
    conversation.refresh_from_db()
    assert conversation.status == "assigned"


def test_close_by_customer_abandons_with_the_state_it_left(queues, started) -> None:
    conversation = handed_off(started[0])
    conversation_close_by_customer(conversation_id=conversation.pk)
    conversation.refresh_from_db()
    assert conversation.status == "abandoned" and conversation.closed_by_customer_at
    event = ConversationEvent.objects.get(conversation=conversation, kind="abandoned")
    assert event.data == {"reason": "closed", "from_status": "queued"}
    with pytest.raises(ServiceError) as closed:
        say(conversation, "hello?")
    assert closed.value.code == "conversation_closed"


def test_closing_the_chat_with_a_person_resolves_it(queues, agent, started) -> None:
    # metrics.md: abandonment with an agent is silence; a customer who closes the chat the
    # agent holds ends it resolved and asked for a rating.
    from analytics.scorecard import scorecard

    conversation = started[0]
    say(conversation, "my parcel went to the wrong address")
    conversation = handed_off(conversation)
    conversation_accept(conversation_id=conversation.pk, agent_user_id=agent.user_id)
    conversation_close_by_customer(conversation_id=conversation.pk)
    conversation.refresh_from_db()
    assert conversation.status == "resolved" and conversation.closed_by_customer_at and conversation.csat_requested_at
    resolved = ConversationEvent.objects.get(conversation=conversation, kind="resolved")
    assert (resolved.actor_type, resolved.old_value) == ("customer", "assigned")
    today = timezone.localdate()
    outcomes = scorecard(today - timedelta(days=1), today + timedelta(days=1))["outcomes"]
    assert outcomes["handed_off_resolved"] == 1 and outcomes["abandoned_with_agent"] == 0


def test_a_customer_who_ends_an_answered_chat_is_asked_for_a_rating(queues, started) -> None:
    conversation, _ = started
    say(conversation, "how long does delivery take?")  # the bot answers inline here
    conversation_close_by_customer(conversation_id=conversation.pk)
    conversation.refresh_from_db()
    assert conversation.status == "abandoned" and conversation.csat_requested_at
    assert ConversationEvent.objects.filter(conversation=conversation, kind="csat_requested").exists()
    assert customer_state(conversation)["csat_pending"] is True
    csat_submit(conversation_id=conversation.pk, score=4, comment="quick")
    with pytest.raises(ServiceError) as twice:
        csat_submit(conversation_id=conversation.pk, score=5)
    assert twice.value.code == "already_rated"
    # The response rate still counts resolved conversations only (metrics.md).
    from analytics.scorecard import scorecard

    today = timezone.localdate()
    figures = scorecard(today - timedelta(days=1), today + timedelta(days=1))
    assert figures["csat_mean"] == 4.0 and figures["csat_response_rate"] is None


def test_a_customer_who_leaves_before_writing_is_not_asked(queues, started) -> None:
    conversation, _ = started
    conversation_close_by_customer(conversation_id=conversation.pk)
    conversation.refresh_from_db()
    assert conversation.status == "abandoned" and conversation.csat_requested_at is None
    with pytest.raises(ServiceError) as refused:
        csat_submit(conversation_id=conversation.pk, score=4)
    assert refused.value.code == "invalid_state"


def test_a_waiting_customer_learns_whether_anyone_is_online(queues, started) -> None:
    conversation = handed_off(started[0])
    assert customer_state(conversation)["agents_online"] == 0


def test_sweep_ends_silent_conversations_once(queues, started, settings) -> None:
    conversation, _ = started
    say(conversation, "hi")
    from helpdesk.models import Conversation

    Conversation.objects.filter(pk=conversation.pk).update(
        last_customer_message_at=timezone.now() - timedelta(seconds=settings.HELPDESK_ABANDON_AFTER_SECONDS + 5)
    )
    fresh, _ = conversation_start(name="fresh")
    assert conversations_sweep_inactive() == 1
    assert conversations_sweep_inactive() == 0
    conversation.refresh_from_db()
    fresh.refresh_from_db()
    assert conversation.status == "abandoned" and fresh.status == "bot"


def test_the_sweep_command_ends_a_backlog_larger_than_a_batch(queues, settings) -> None:
    import io

    from django.core.management import call_command

    from helpdesk.models import Conversation

    silent = []
    for name in ("a", "b", "c"):
        conversation, _ = conversation_start(name=name)
        say(conversation, "hello")
        silent.append(conversation.pk)
    long_ago = timezone.now() - timedelta(seconds=settings.HELPDESK_ABANDON_AFTER_SECONDS + 5)
    Conversation.objects.filter(pk__in=silent).update(last_customer_message_at=long_ago)
    out = io.StringIO()
    call_command("sweep_inactive", "--batch", "1", stdout=out)
    assert out.getvalue().strip() == "ended 3 silent conversation(s)"
    assert set(Conversation.objects.filter(pk__in=silent).values_list("status", flat=True)) == {"abandoned"}


def test_packet_carries_what_the_agent_needs(queues, agent, started) -> None:
    conversation, _ = started
    say(conversation, "my order A-1001 is late")
    conversation = handed_off(conversation)
    packet = conversation_packet(conversation)
    for key in (
        "id",
        "status",
        "queue",
        "priority",
        "intent",
        "intent_confidence",
        "sentiment",
        "sentiment_score",
        "handoff_trigger",
        "summary",
        "collected",
        "customer",
        "transcript",
    ):
        assert key in packet
    assert packet["customer"]["contact_count_30d"] == 1 and packet["customer"]["tier"] == "standard"
    assert packet["handoff_trigger"] == "explicit_request" and packet["priority"] == "normal"
    assert any(m["body"] == "my order A-1001 is late" for m in packet["transcript"])


def test_event_log_is_append_only(queues, started) -> None:
    event = ConversationEvent.objects.filter(conversation=started[0]).first()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_a_resolved_conversation_reopens_when_the_customer_writes_within_a_day(queues, agent, started) -> None:
    from helpdesk.models import Conversation

    conversation = handed_off(started[0])
    conversation_accept(conversation_id=conversation.pk, agent_user_id=agent.user_id)
    conversation_resolve(conversation_id=conversation.pk, actor=agent)
    say(conversation, "actually, one more thing")
    conversation.refresh_from_db()
    assert conversation.status == "bot"
    assert ConversationEvent.objects.filter(conversation=conversation, kind="reopened").count() == 1
    # After a day it stays closed.
    conversation_request_handoff(conversation_id=conversation.pk, trigger="explicit_request", actor_type="customer")
    conversation.refresh_from_db()
    Conversation.objects.filter(pk=conversation.pk).update(
        status="resolved", agent=None, resolved_at=timezone.now() - timedelta(days=2)
    )
    with pytest.raises(ServiceError) as closed:
        say(conversation, "hello again")
    assert closed.value.code == "conversation_closed"
