"""A customer's message and the holder's reply on PostgreSQL: one statement for the common case,
the ORM path for the rest, and the same rows either way (helpdesk/services/messages.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk.errors import ServiceError
from helpdesk.models import Conversation, ConversationEvent, Message
from helpdesk.services.claims import conversation_accept
from helpdesk.services.conversations import conversation_start
from helpdesk.services.handoff import conversation_request_handoff
from helpdesk.services.messages import agent_reply_post, customer_message_post, note_post
from tests.support.people import make_agent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

published: list[dict] = []


def record(payload: dict) -> None:
    published.append(payload)


@pytest.fixture(autouse=True)
def _no_bot(settings) -> None:
    """The bot's turn would run inline (tests' task mode) and write too: the event is recorded."""
    published.clear()
    settings.HELPDESK_EVENT_SUBSCRIBERS = {
        **settings.HELPDESK_EVENT_SUBSCRIBERS,
        "message.customer_posted": [f"{__name__}.record"],
    }


def test_an_open_conversation_takes_one_statement_and_writes_what_the_orm_path_writes(queues) -> None:
    conversation, _ = conversation_start(name="Ida")
    before = Conversation.objects.get(pk=conversation.pk)
    with CaptureQueriesContext(connection) as queries:
        message, created = customer_message_post(
            conversation_id=conversation.pk, body="where is <b>A-1001</b>?", client_msg_id="c-1"
        )
    assert created and len(queries.captured_queries) == 1
    assert published == [{"message_id": message.pk, "conversation_id": str(conversation.pk), "status": "bot"}]

    stored = Message.objects.get(pk=message.pk)
    assert (stored.seq, stored.sender, stored.body, stored.client_msg_id) == (
        before.last_seq + 1,
        "customer",
        "where is <b>A-1001</b>?",
        "c-1",
    )
    assert (stored.options, stored.data, stored.internal, stored.author_id) == ([], {}, False, None)
    assert stored.created_at == message.created_at
    after = Conversation.objects.get(pk=conversation.pk)
    assert after.last_seq == stored.seq
    assert after.first_customer_message_at == after.last_customer_message_at == stored.created_at
    event = ConversationEvent.objects.filter(conversation=conversation, kind="customer_message").get()
    assert (event.actor_type, event.data) == ("customer", {"message_id": stored.pk, "seq": stored.seq})

    later, _ = customer_message_post(conversation_id=conversation.pk, body="hello?")
    after = Conversation.objects.get(pk=conversation.pk)
    assert after.first_customer_message_at == stored.created_at and after.last_customer_message_at == later.created_at


def test_a_repeat_is_answered_with_the_stored_message_and_takes_no_seq(queues) -> None:
    conversation, _ = conversation_start(name="Jon")
    first, _ = customer_message_post(conversation_id=conversation.pk, body="hi", client_msg_id="same")
    again, created = customer_message_post(conversation_id=conversation.pk, body="hi", client_msg_id="same")
    assert not created and again.pk == first.pk
    nxt, _ = customer_message_post(conversation_id=conversation.pk, body="next")
    assert nxt.seq == first.seq + 1
    assert ConversationEvent.objects.filter(conversation=conversation, kind="customer_message").count() == 2


def test_a_resolved_or_ended_conversation_takes_the_orm_path(queues) -> None:
    conversation, _ = conversation_start(name="Kai")
    Conversation.objects.filter(pk=conversation.pk).update(status="resolved", resolved_at=timezone.now())
    customer_message_post(conversation_id=conversation.pk, body="one more thing")
    assert Conversation.objects.get(pk=conversation.pk).status == "bot"  # re-opened
    assert ConversationEvent.objects.filter(conversation=conversation, kind="reopened").count() == 1

    Conversation.objects.filter(pk=conversation.pk).update(
        status="resolved", resolved_at=timezone.now() - timedelta(days=2)
    )
    seq = Conversation.objects.get(pk=conversation.pk).last_seq
    with pytest.raises(ServiceError) as closed:
        customer_message_post(conversation_id=conversation.pk, body="hello again")
    assert closed.value.code == "conversation_closed"
    assert Conversation.objects.get(pk=conversation.pk).last_seq == seq


def test_the_holders_reply_takes_one_statement_and_anyone_else_is_refused(queues) -> None:
    holder = make_agent("hana", [queues["General"]])
    other = make_agent("olaf", [queues["General"]])
    conversation, _ = conversation_start(name="Lou")
    conversation_request_handoff(conversation_id=conversation.pk, trigger="explicit_request", actor_type="customer")
    conversation_accept(conversation_id=conversation.pk, agent_user_id=holder.user_id)
    before = Conversation.objects.get(pk=conversation.pk)

    def reply() -> tuple[Message, bool]:
        return agent_reply_post(
            conversation_id=conversation.pk,
            author=holder.user,
            author_name="Hana",
            body="Let me look.",
            client_msg_id="r-1",
        )

    with CaptureQueriesContext(connection) as queries:
        reply_message, created = reply()
    assert created and len(queries.captured_queries) == 1
    stored = Message.objects.get(pk=reply_message.pk)
    assert (stored.seq, stored.sender, stored.author_id, stored.author_name) == (
        before.last_seq + 1,
        "agent",
        holder.user_id,
        "Hana",
    )
    after = Conversation.objects.get(pk=conversation.pk)
    assert after.last_seq == stored.seq and after.first_agent_message_at == stored.created_at
    event = ConversationEvent.objects.filter(conversation=conversation, kind="agent_message").get()
    assert (event.actor_type, event.actor_id, event.data) == (
        "agent",
        holder.user_id,
        {"message_id": stored.pk, "seq": stored.seq},
    )
    again, created = reply()
    assert not created and again.pk == reply_message.pk

    with pytest.raises(ServiceError) as refused:
        agent_reply_post(conversation_id=conversation.pk, author=other.user, author_name="Olaf", body="me too")
    assert refused.value.code == "not_holder"
    note, _ = note_post(conversation_id=conversation.pk, author=other.user, author_name="Olaf", body="a note")
    assert note.internal and note.seq is None
    assert Conversation.objects.get(pk=conversation.pk).last_seq == stored.seq
