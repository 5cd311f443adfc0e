"""Statements compiled once per process (helpdesk/infrastructure/prepared.py), on SQLite; the
same checks on PostgreSQL: tests/postgres/test_prepared_pg.py."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from helpdesk.infrastructure.prepared import Prepared
from helpdesk.models import Conversation, Message
from tests.support.people import make_agent
from tests.support.prepared import (
    check_a_row_insert_writes_what_save_writes,
    check_a_row_update_writes_what_save_writes,
    check_the_bots_repeat_check_is_the_orms,
    check_the_list_row_is_the_orms,
    check_the_turns_read_is_the_orms,
    conversation_with_readings,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_bot(settings) -> None:
    settings.HELPDESK_EVENT_SUBSCRIBERS = {**settings.HELPDESK_EVENT_SUBSCRIBERS, "message.customer_posted": []}


def test_the_bots_first_read_prepared_is_the_orms(settings, queues) -> None:
    check_the_turns_read_is_the_orms(settings, queues)


def test_the_bots_repeat_check_prepared_is_the_orms(settings, queues) -> None:
    check_the_bots_repeat_check_is_the_orms(settings, queues)


def test_a_row_update_writes_what_save_writes(settings, queues) -> None:
    check_a_row_update_writes_what_save_writes(settings, queues)


def test_a_row_insert_writes_what_save_writes(settings, queues) -> None:
    check_a_row_insert_writes_what_save_writes(settings, queues)


def test_the_list_row_prepared_is_the_orms(settings, queues) -> None:
    check_the_list_row_is_the_orms(settings, queues)


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
