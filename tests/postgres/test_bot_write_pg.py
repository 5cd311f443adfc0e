"""The bot's writes on PostgreSQL in fewer statements: a message appended under the caller's
row lock (the conversation's changed fields, the message and its event in one statement) and a
knowledge-base answer counted and logged in one; the same rows as the ORM path writes
(helpdesk/services/messages.py `_append`, helpdesk/services/kb.py `kb_answer_served`)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from helpdesk.infrastructure.locks import lock_conversation
from helpdesk.models import Article, Conversation, ConversationEvent, KnowledgeAnswer, Message
from helpdesk.services.conversations import conversation_start
from helpdesk.services.kb import kb_answer_served
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


def test_an_answer_from_an_article_is_counted_and_logged_in_one_statement(queues) -> None:
    conversation, _ = conversation_start(name="Ola")
    article = Article.objects.create(title="Returns", body="Thirty days.", status="published")
    with CaptureQueriesContext(connection) as queries:
        served = kb_answer_served(
            conversation_id=conversation.pk,
            question="can I return it?",
            article_id=article.pk,
            passage="Thirty days.",
            score=0.8,
        )
    assert served and len(queries.captured_queries) == 1
    assert Article.objects.get(pk=article.pk).times_served == 1
    answer = KnowledgeAnswer.objects.get(conversation=conversation)
    assert (answer.question, answer.article_id, answer.passage, answer.score, answer.kind, answer.outcome) == (
        "can I return it?",
        article.pk,
        "Thirty days.",
        0.8,
        "answer",
        "served",
    )
    # Deleted since the index chose it: nothing counted, nothing logged.
    gone = article.pk
    article.delete()
    assert not kb_answer_served(
        conversation_id=conversation.pk, question="and now?", article_id=gone, passage="", score=0.7
    )
    assert KnowledgeAnswer.objects.filter(conversation=conversation).count() == 1
