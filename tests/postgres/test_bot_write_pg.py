"""The bot's writes on PostgreSQL in fewer statements: a message appended under the caller's
row lock (the conversation's changed fields, the message and its event in one statement), the
same rows as the ORM path writes (helpdesk/services/messages.py `_append`)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from helpdesk.infrastructure.locks import lock_conversation
from helpdesk.models import Conversation, ConversationEvent, Message
from helpdesk.services.conversations import conversation_start
from helpdesk.services.messages import bot_say, customer_message_post, system_say
from tests.support.people import make_agent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_bot(settings) -> None:
    settings.HELPDESK_EVENT_SUBSCRIBERS = {**settings.HELPDESK_EVENT_SUBSCRIBERS, "message.customer_posted": []}


def test_the_bots_answer_under_the_turns_lock_is_one_statement_with_the_callers_fields(queues, settings) -> None:
    conversation, _ = conversation_start(name="Mia")
    asked, _ = customer_message_post(conversation_id=conversation.pk, body="where is my parcel?")
    options = [{"label": "Talk to a person", "value": "talk_to_human"}]
    with transaction.atomic():
        locked = lock_conversation(conversation.pk)
        locked.intent, locked.collected = "order_status", {"order_number": "A-1001"}
        with CaptureQueriesContext(connection) as queries:
            answer = bot_say(
                conversation_id=locked.pk,
                body="Which order?",
                options=options,
                data={"in_reply_to": asked.pk},
                locked=locked,
                with_fields=["intent", "collected"],
            )
    # The repeat check, then the conversation, the message and its event in one statement.
    assert len(queries.captured_queries) == 2

    stored = Message.objects.get(pk=answer.pk)
    assert (stored.seq, stored.sender, stored.author_name, stored.body) == (
        asked.seq + 1,
        "bot",
        settings.HELPDESK_BOT_NAME,
        "Which order?",
    )
    assert (stored.options, stored.data, stored.internal, stored.client_msg_id) == (
        options,
        {"in_reply_to": asked.pk},
        False,
        None,
    )
    assert stored.created_at == answer.created_at
    after = Conversation.objects.get(pk=conversation.pk)
    assert (after.intent, after.collected, after.last_seq) == ("order_status", {"order_number": "A-1001"}, stored.seq)
    assert after.first_bot_reply_at == after.updated_at == stored.created_at
    event = ConversationEvent.objects.filter(conversation=conversation, kind="bot_message").latest("id")
    assert (event.actor_type, event.actor_id, event.data, event.created_at) == (
        "bot",
        None,
        {"message_id": stored.pk, "seq": stored.seq},
        stored.created_at,
    )
    # A second run of the same turn stores no second answer.
    again = bot_say(conversation_id=conversation.pk, body="Which order?", data={"in_reply_to": asked.pk})
    assert again.pk == stored.pk
    assert Conversation.objects.get(pk=conversation.pk).last_seq == stored.seq


def test_a_note_keeps_out_of_the_customers_sequence_and_the_desks_words_count_in_it(queues) -> None:
    from helpdesk.services.messages import note_post

    agent = make_agent("nora", [queues["General"]])
    conversation, _ = conversation_start(name="Ned")
    greeted = Conversation.objects.get(pk=conversation.pk).last_seq  # the bot's greeting
    said = system_say(conversation_id=conversation.pk, body="You are talking to our assistant.")
    note, _ = note_post(conversation_id=conversation.pk, author=agent.user, author_name="Nora", body="VIP")
    assert (said.sender, said.seq, note.seq, note.internal) == ("system", greeted + 1, None, True)
    assert Message.objects.get(pk=note.pk).author_id == agent.user_id
    event = ConversationEvent.objects.get(conversation=conversation, kind="note")
    assert (event.actor_id, event.data) == (agent.user_id, {"message_id": note.pk, "seq": None})
    assert Conversation.objects.get(pk=conversation.pk).last_seq == said.seq
