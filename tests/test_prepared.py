"""Statements compiled once per process (helpdesk/infrastructure/prepared.py), each held to
the ORM's own answer. Each vendor compiles its own SQL: tests/postgres/test_prepared_pg.py runs
these same tests on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from helpdesk.infrastructure.prepared import Prepared
from helpdesk.models import Conversation, Message
from helpdesk.services.conversations import conversation_start
from helpdesk.services.messages import bot_say, customer_message_post, note_post
from tests.support.people import make_agent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_bot(settings) -> None:
    settings.HELPDESK_EVENT_SUBSCRIBERS = {**settings.HELPDESK_EVENT_SUBSCRIBERS, "message.customer_posted": []}


def conversation_with_readings(agent) -> tuple[list[Message], Message]:
    """A chat of 13 customer messages (the earlier ones read, one not), the bot's answers and
    an internal note between them; returns the customer's messages and the bot's first answer."""
    conversation, _ = conversation_start(name="Ana", email="ana@example.com")
    asked = []
    for number in range(13):
        message, _ = customer_message_post(conversation_id=conversation.pk, body=f"message <{number}> 'quoted'")
        if number != 5:
            prediction = {"sentiment": "negative" if number % 3 else "neutral", "frustration": number / 20}
            Message.objects.filter(pk=message.pk).update(data={"prediction": prediction, "other": [1, 2]})
        if number == 3:
            author = getattr(agent, "user", agent)
            note_post(
                conversation_id=conversation.pk, author=author, author_name="Sam", body="a note, not the customer's"
            )
        asked.append(message)
    answer = bot_say(conversation_id=conversation.pk, body="An answer", data={"in_reply_to": asked[0].pk})
    return asked, answer


def test_the_bots_first_read_prepared_is_the_orms(queues) -> None:
    """The bot's first read, prepared, builds what the ORM builds from the same queryset, and
    its earlier readings are `facts_for`'s own query's."""
    from bots import runtime
    from bots.services.turns import _message_for_turn, _turn_read
    from routing.facts import _earlier_readings, earlier_readings_from
    from tests.support.people import make_agent

    asked, _ = conversation_with_readings(make_agent("sam", [queues["General"]]))
    version_id = runtime.current().version_id

    for message in (asked[0], asked[6], asked[-1]):
        prepared = _message_for_turn(message.pk, version_id)
        orm = _turn_read(message.pk, version_id).get()
        for model, a, b in (
            ("message", prepared, orm),
            ("conversation", prepared.conversation, orm.conversation),
            ("customer", prepared.conversation.customer, orm.conversation.customer),
        ):
            fields = type(a)._meta.concrete_fields
            assert [getattr(a, f.attname) for f in fields] == [getattr(b, f.attname) for f in fields], model
            assert not a._state.adding
        assert (prepared.read, prepared.overtaken, prepared.first_words) == (orm.read, orm.overtaken, orm.first_words)
        assert prepared.earlier == earlier_readings_from(orm.earlier)
        assert prepared.earlier == _earlier_readings(message.conversation, message.pk)
    last = _message_for_turn(asked[-1].pk, version_id)
    assert len(last.earlier) == 10 and last.earlier[0] == (
        "message <11> 'quoted'",
        {"sentiment": "negative", "frustration": 0.55},
    )
    assert ("message <5> 'quoted'", {}) in last.earlier  # a message without a reading
    assert _message_for_turn(asked[0].pk, version_id).earlier == []


def test_the_bots_repeat_check_prepared_is_the_orms(queues) -> None:
    """The question bot_say asks before each answer (has this message been answered?), a JSON
    key compared on both vendors, prepared: the ORM's answer, and a repeat stored once."""
    from helpdesk.services import messages
    from tests.support.people import make_agent

    asked, answer = conversation_with_readings(make_agent("sam", [queues["General"]]))
    conversation_id = asked[0].conversation_id
    for reply_to in (asked[0].pk, asked[1].pk, -1):
        orm = Message.objects.filter(conversation_id=conversation_id, sender="bot", data__in_reply_to=reply_to).first()
        assert messages._BOT_ANSWER_TO.first(conversation_id=conversation_id, reply_to=reply_to) == orm
    said = Message.objects.filter(conversation_id=conversation_id).count()
    again = bot_say(conversation_id=conversation_id, body="An answer again", data={"in_reply_to": asked[0].pk})
    assert again.pk == answer.pk
    assert Message.objects.filter(conversation_id=conversation_id).count() == said


def test_a_row_update_writes_what_save_writes(queues) -> None:
    """`row_update` (the bot's state and a message's reading, on every answering turn) writes
    the values `save(update_fields=...)` writes: JSON, auto_now timestamps, nulls."""
    from django.db import transaction

    from bots.models import FlowState
    from bots.services.state import state_save
    from helpdesk.infrastructure.prepared import row_update
    from tests.support.people import make_agent

    asked, _ = conversation_with_readings(make_agent("sam", [queues["General"]]))
    message = asked[2]
    message.data = {"prediction": {"intent": "order_status", "emotions": {"anger": 0.25}}, "note": "ünïcode 'quoted'"}
    assert row_update(message, ["data"])
    assert Message.objects.get(pk=message.pk).data == message.data

    conversation = message.conversation
    with transaction.atomic():
        state = FlowState(conversation=conversation, flow="order_status", step="ask_order", tries=1)
        state_save(state)  # a new row: inserted
    stored = FlowState.objects.get(pk=conversation.pk)
    state = FlowState.objects.get(pk=conversation.pk)
    state.flow, state.step, state.tries, state.callback_ticket = "", "", 0, None
    state.memory = {"question": "where is my parcel?", "articles": [1, 2]}
    with transaction.atomic():
        state_save(state)
    after = FlowState.objects.get(pk=conversation.pk)
    assert (after.flow, after.step, after.tries, after.callback_ticket, after.memory) == (
        "",
        "",
        0,
        None,
        {"question": "where is my parcel?", "articles": [1, 2]},
    )
    assert after.updated_at == state.updated_at and after.updated_at > stored.updated_at
    FlowState.objects.filter(pk=conversation.pk).delete()
    assert not row_update(state, ["flow"])  # no row: nothing written, and said so
    with transaction.atomic():
        state_save(state)  # the row went away meanwhile (the chat re-opened): written again
    assert FlowState.objects.filter(pk=conversation.pk).exists()


def test_a_row_insert_writes_what_save_writes(queues) -> None:
    """`row_insert` (each message's reading) writes the row `save(force_insert=True)` writes,
    sets its key, and refuses a second reading of the message by the same model version."""
    import pytest
    from django.db import IntegrityError, transaction

    from bots import runtime
    from bots.models import MessagePrediction
    from helpdesk.infrastructure.prepared import row_insert
    from tests.support.people import make_agent

    asked, _ = conversation_with_readings(make_agent("sam", [queues["General"]]))
    version_id = runtime.current().version_id

    def reading(message: Message) -> MessagePrediction:
        return MessagePrediction(
            message=message,
            model_version_id=version_id,
            intent="order_status",
            intent_confidence=0.91,
            top_intents=[["order_status", 0.91], ["returns", 0.04]],
            sentiment="neutral",
            sentiment_score=-0.1,
            emotions={"anger": 0.02},
            frustration=None,
            latency_ms=4.5,
        )

    inserted, saved = reading(asked[0]), reading(asked[1])
    row_insert(inserted)
    saved.save(force_insert=True)
    assert inserted.pk is not None and not inserted._state.adding
    fields = [f.attname for f in MessagePrediction._meta.concrete_fields if f.attname not in ("id", "message_id")]
    stored = MessagePrediction.objects.get(pk=inserted.pk)
    other = MessagePrediction.objects.get(pk=saved.pk)
    assert {f: getattr(stored, f) for f in fields if f != "created_at"} == {
        f: getattr(other, f) for f in fields if f != "created_at"
    }
    assert stored.created_at == inserted.created_at and stored.message_id == asked[0].pk
    with pytest.raises(IntegrityError), transaction.atomic():
        row_insert(reading(asked[0]))
    with pytest.raises(ValueError):
        row_insert(stored)


def test_the_list_row_prepared_is_the_orms(queues) -> None:
    """The inbox's list row pushed after each change, prepared: the conversation with its
    queue, customer, agent and the agent's profile as the ORM builds them, held or not."""
    from helpdesk.frames import conversation_summary
    from helpdesk.models import Conversation
    from helpdesk.services.lifecycle import _LIST_ROW
    from tests.support.people import make_agent

    agent = make_agent("sam", [queues["General"]], display_name="Sam Stone")
    asked, _ = conversation_with_readings(agent)
    waiting, _ = conversation_start(name="Ben")
    held = asked[0].conversation
    Conversation.objects.filter(pk=held.pk).update(agent=agent.user, queue=queues["General"], status="assigned")
    for conversation in (held, waiting):
        prepared = _LIST_ROW.first(pk=conversation.pk)
        orm = Conversation.objects.select_related("queue", "customer", "agent__agent").get(pk=conversation.pk)
        assert conversation_summary(prepared) == conversation_summary(orm)
        assert prepared.queue_id == orm.queue_id and prepared.customer.name == orm.customer.name
    assert _LIST_ROW.first(pk=held.pk).agent.agent.display_name == "Sam Stone"
    assert _LIST_ROW.first(pk=waiting.pk).agent is None


def test_a_prepared_statement_runs_again_with_new_values_and_finds_nothing_as_nothing(queues) -> None:
    by_body = Prepared(lambda body, pk: Message.objects.filter(body=body, pk__gte=pk).order_by("pk"), body=str, pk=int)
    asked, answer = conversation_with_readings(make_agent("sam", [queues["General"]]))
    assert [m.pk for m in by_body.all(body="An answer", pk=0)] == [answer.pk]
    assert [m.pk for m in by_body.all(body=asked[2].body, pk=0)] == [asked[2].pk]
    assert by_body.all(body=asked[2].body, pk=asked[2].pk + 1) == []
    assert by_body.first(body="nobody wrote this", pk=0) is None
    with transaction.atomic():
        from helpdesk.infrastructure.locks import lock_conversation

        conversation = asked[0].conversation
        for given in (conversation.pk, str(conversation.pk), conversation.pk.hex):
            assert lock_conversation(given).pk == conversation.pk
        by_id = Prepared(lambda pk: Conversation.objects.filter(pk=pk), pk=uuid.UUID)
        assert by_id.first(pk=str(conversation.pk)).customer_id == conversation.customer_id


def test_a_statement_that_does_not_carry_its_value_unchanged_is_refused(db) -> None:
    # icontains wraps the value in wildcards: the statement could not be run with another one.
    wrapped = Prepared(lambda body: Message.objects.filter(body__icontains=body), body=str)
    with pytest.raises(ValueError, match="'body'"):
        wrapped.all(body="parcel")
    ignored = Prepared(lambda pk, seq: Message.objects.filter(pk=pk), pk=int, seq=int)
    with pytest.raises(ValueError, match="'seq'"):
        ignored.all(pk=1, seq=2)
    with pytest.raises(TypeError, match="float"):
        Prepared(lambda score: Message.objects.all(), score=float)
