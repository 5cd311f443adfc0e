"""Exact counts: queries per read path and broadcasts per action."""

from __future__ import annotations

import pytest

from helpdesk.infrastructure import realtime
from helpdesk.selectors.conversations import (
    conversation_get_for_customer,
    conversation_packet,
    inbox_for_agent,
    messages_after,
)
from helpdesk.services.claims import conversation_accept
from helpdesk.services.conversations import conversation_start
from helpdesk.services.handoff import conversation_request_handoff
from helpdesk.services.messages import customer_message_post, note_post

pytestmark = pytest.mark.django_db(transaction=True)


def queued_conversation(name: str = "Dana"):
    conversation, token = conversation_start(name=name)
    for i in range(5):
        customer_message_post(conversation_id=conversation.pk, body=f"line {i}")
    conversation_request_handoff(conversation_id=conversation.pk, trigger="explicit_request", actor_type="customer")
    conversation.refresh_from_db()
    return conversation, token


@pytest.fixture
def sends(monkeypatch) -> list[tuple[str, dict]]:
    """Records every group send while still sending it (a spy, not a mock)."""
    recorded: list[tuple[str, dict]] = []
    original = realtime._send_all

    def spy(sends: list[tuple[str, dict]]) -> None:
        recorded.extend(sends)
        original(sends)

    monkeypatch.setattr(realtime, "_send_all", spy)
    return recorded


def test_customer_connect_reads_in_two_queries_whatever_the_history(queues, django_assert_num_queries) -> None:
    conversation, token = queued_conversation()
    with django_assert_num_queries(2):
        assert conversation_get_for_customer(str(conversation.pk), token) is not None
        assert len(messages_after(conversation.pk, 0)) >= 7


def test_inbox_queries_do_not_grow_with_the_number_of_conversations(queues, agent, django_assert_num_queries) -> None:
    for i in range(3):
        queued_conversation(f"c{i}")
    with django_assert_num_queries(2):
        small = inbox_for_agent(agent)
    for i in range(6):
        queued_conversation(f"d{i}")
    with django_assert_num_queries(2):
        large = inbox_for_agent(agent)
    assert len(small["queued"]) == 3 and len(large["queued"]) == 9


def test_packet_is_built_in_a_fixed_number_of_queries(queues, django_assert_num_queries, settings) -> None:
    # The knowledge base's index is loaded by the bot's turn below and not checked again here.
    settings.HELPDESK_KB_REFRESH_SECONDS = 3600
    conversation, _ = queued_conversation()
    from helpdesk.models import Conversation

    loaded = Conversation.objects.select_related("queue", "customer", "agent__agent").get(pk=conversation.pk)
    # + canned replies, the customer's latest words for agent assist's search (in memory), and
    # the bot's intents, which the agent may name when rating a handed-over conversation
    with django_assert_num_queries(9):
        conversation_packet(loaded)


def test_a_customer_message_is_broadcast_twice_a_note_once_and_never_to_the_customer(queues, agent, sends) -> None:
    conversation, _ = queued_conversation()
    conversation_accept(conversation_id=conversation.pk, agent_user_id=agent.user_id)
    sends.clear()
    customer_message_post(conversation_id=conversation.pk, body="hello")
    message_sends = [group for group, event in sends if event["type"] in {"customer.message", "agent.message"}]
    assert message_sends == [realtime.customer_group(conversation.pk), realtime.staff_group(conversation.pk)]
    # The model's reading follows, for staff only.
    readings = [group for group, event in sends if event.get("frame", {}).get("type") == "prediction"]
    assert readings == [realtime.staff_group(conversation.pk)]
    sends.clear()
    note_post(conversation_id=conversation.pk, body="secret", author=agent.user, author_name="Agent")
    assert [group for group, _ in sends] == [realtime.staff_group(conversation.pk)]


def test_an_internal_note_can_never_be_pushed_to_a_customer_group(queues) -> None:
    with pytest.raises(ValueError):
        realtime.customer_message("00000000-0000-0000-0000-000000000001", {"internal": True, "body": "x"})
