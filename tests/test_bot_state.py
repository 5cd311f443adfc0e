"""The bot's state is the bot's: flows keep theirs in FlowState, and the agent's packet shows only
the documented facts about the customer's request."""

from __future__ import annotations

import pytest
from django.db import transaction

from bots.models import FlowState
from helpdesk.infrastructure.locks import lock_conversation
from helpdesk.models import COLLECTED_FIELDS, Conversation
from helpdesk.selectors.conversations import conversation_packet_by_id
from helpdesk.services.closing import conversation_resolve
from helpdesk.services.conversations import collected_merge, conversation_start
from helpdesk.services.messages import customer_message_post

pytestmark = pytest.mark.django_db(transaction=True)


def say(conversation: Conversation, body: str) -> None:
    customer_message_post(conversation_id=conversation.pk, body=body)


def test_a_flow_keeps_its_step_in_flow_state_and_the_packet_shows_only_facts(queues) -> None:
    conversation, _ = conversation_start(name="Dana")
    say(conversation, "where is my order?")
    state = FlowState.objects.get(pk=conversation.pk)
    assert (state.flow, state.step, state.answered) == ("order_status", "ask_number", False)
    conversation.refresh_from_db()
    assert conversation.collected == {}

    say(conversation, "A-1001")
    state.refresh_from_db()
    assert (state.flow, state.step, state.answered) == ("", "", True)
    packet = conversation_packet_by_id(conversation.pk)
    assert packet["collected"]["order_number"] == "A-1001"
    assert set(packet["collected"]) <= set(COLLECTED_FIELDS)


def test_thanks_after_an_answer_closes_and_a_reopened_chat_starts_afresh(queues) -> None:
    conversation, _ = conversation_start(name="Dana")
    say(conversation, "where is my order A-1001")
    say(conversation, "thanks, that's all")
    conversation.refresh_from_db()
    assert conversation.status == "resolved"
    say(conversation, "one more thing")  # within a day: the chat re-opens with the bot
    conversation.refresh_from_db()
    assert conversation.status == "bot"
    assert not FlowState.objects.filter(pk=conversation.pk, answered=True).exists()


def test_only_documented_facts_with_their_types_reach_collected(queues) -> None:
    conversation, _ = conversation_start(name="Dana")
    with transaction.atomic():
        locked = lock_conversation(conversation.pk)
        with pytest.raises(ValueError, match="not a documented field"):
            collected_merge(conversation=locked, values={"answered": True})
        with pytest.raises(ValueError, match="must be int"):
            collected_merge(conversation=locked, values={"steps_tried": "three"})
        locked.save(update_fields=collected_merge(conversation=locked, values={"order_number": "A-1002"}))
    conversation.refresh_from_db()
    assert conversation.collected == {"order_number": "A-1002"}
    conversation_resolve(conversation_id=conversation.pk, actor=None, actor_type="bot")
