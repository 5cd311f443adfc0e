"""Races, on PostgreSQL (make test-postgres sets DATABASE_URL): parallel writers and claims."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from helpdesk.errors import ServiceError
from helpdesk.models import Conversation, Message, Sender
from helpdesk.services.claims import conversation_accept
from helpdesk.services.conversations import conversation_start
from helpdesk.services.handoff import conversation_request_handoff
from helpdesk.services.messages import customer_message_post
from tests.support.people import make_agent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]




def in_parallel(workers: list[Callable[[], object]]) -> list[object]:
    """Start every worker at the same instant; return each one's result or exception."""
    barrier = threading.Barrier(len(workers))
    results: list[object] = [None] * len(workers)

    def run(index: int, work: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = work()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_seq_has_no_gaps_with_parallel_writers(queues) -> None:
    conversation, _ = conversation_start(name="busy")
    writers = 8
    per_writer = 15

    def writer(n: int) -> Callable[[], None]:
        def work() -> None:
            for i in range(per_writer):
                customer_message_post(conversation_id=conversation.pk, body=f"w{n} m{i}")

        return work

    results = in_parallel([writer(n) for n in range(writers)])
    assert not [r for r in results if isinstance(r, Exception)]
    seqs = sorted(Message.objects.filter(conversation=conversation, internal=False).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert Message.objects.filter(conversation=conversation, sender=Sender.CUSTOMER).count() == writers * per_writer


def test_a_repeated_client_msg_id_sent_in_parallel_is_stored_once(queues) -> None:
    conversation, _ = conversation_start(name="retry")
    results = in_parallel(
        [lambda: customer_message_post(conversation_id=conversation.pk, body="hi", client_msg_id="same")]
        * 8
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(1 for r in results if r[1]) == 1
    assert Message.objects.filter(conversation=conversation, client_msg_id="same").count() == 1


def test_many_agents_accept_at_once_exactly_one_wins(queues) -> None:
    agents = [make_agent(f"a{i}", [queues["General"]]) for i in range(6)]
    conversation, _ = conversation_start(name="contested")
    conversation_request_handoff(conversation_id=conversation.pk, trigger="explicit_request", actor_type="customer")
    results = in_parallel(
        [lambda a=a: conversation_accept(conversation_id=conversation.pk, agent_user_id=a.user_id) for a in agents]
    )
    winners = [r for r in results if isinstance(r, Conversation)]
    losers = [r for r in results if isinstance(r, ServiceError)]
    assert len(winners) == 1 and len(losers) == 5
    assert {e.code for e in losers} == {"already_taken"}
    conversation.refresh_from_db()
    assert conversation.status == "assigned" and conversation.agent_id == winners[0].agent_id


def test_one_agent_accepting_many_at_once_never_exceeds_capacity(queues) -> None:
    agent = make_agent("solo", [queues["General"]], capacity=2)
    conversations = []
    for i in range(6):
        conversation, _ = conversation_start(name=f"c{i}")
        conversation_request_handoff(conversation_id=conversation.pk, trigger="explicit_request", actor_type="customer")
        conversations.append(conversation)
    results = in_parallel(
        [lambda c=c: conversation_accept(conversation_id=c.pk, agent_user_id=agent.user_id) for c in conversations]
    )
    assert sum(isinstance(r, Conversation) for r in results) == 2
    assert {r.code for r in results if isinstance(r, ServiceError)} == {"at_capacity"}
    assert Conversation.objects.filter(agent=agent.user, status="assigned").count() == 2


def test_many_handoffs_at_once_against_few_agents_never_exceed_capacity(queues) -> None:
    from helpdesk.models import AgentProfile, Presence

    agents = [make_agent(f"on{i}", [queues["General"]], capacity=3) for i in range(2)]
    AgentProfile.objects.filter(pk__in=[a.pk for a in agents]).update(presence=Presence.ONLINE)
    conversations = [conversation_start(name=f"rush{i}")[0] for i in range(16)]
    results = in_parallel(
        [
            lambda c=c: conversation_request_handoff(
                conversation_id=c.pk, trigger="explicit_request", actor_type="customer"
            )
            for c in conversations
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)]
    held = {a.user_id: Conversation.objects.filter(agent_id=a.user_id, status="assigned").count() for a in agents}
    assert held == {agents[0].user_id: 3, agents[1].user_id: 3}
    assert Conversation.objects.filter(status="queued").count() == 10


def test_the_conversation_lock_holds_the_row_and_builds_it_as_the_orm_does(queues) -> None:
    """lock_conversation keeps its statement compiled per process (prepared.py): the row it
    returns is the ORM's, a second writer waits for it, and it refuses to lock nothing."""
    import uuid

    from django.db import transaction
    from django.db.transaction import TransactionManagementError

    from helpdesk.errors import NotFound
    from helpdesk.infrastructure.locks import lock_conversation

    conversation, _ = conversation_start(name="Uma", email="uma@example.com")
    with transaction.atomic():
        locked = lock_conversation(str(conversation.pk))
        fresh = Conversation.objects.get(pk=conversation.pk)
        fields = Conversation._meta.concrete_fields
        assert [getattr(locked, f.attname) for f in fields] == [getattr(fresh, f.attname) for f in fields]
        assert not locked._state.adding and locked.customer.email == "uma@example.com"
        waited = threading.Event()

        def writer() -> None:
            try:
                with transaction.atomic():
                    lock_conversation(conversation.pk)
                    waited.set()
            finally:
                connections.close_all()

        thread = threading.Thread(target=writer)
        thread.start()
        thread.join(timeout=1)
        assert not waited.is_set()  # the second writer waits for this transaction
    thread.join(timeout=10)
    assert waited.is_set()
    with pytest.raises(TransactionManagementError):
        lock_conversation(conversation.pk)
    with transaction.atomic():
        for unknown in (uuid.uuid4(), "not-a-uuid"):
            with pytest.raises(NotFound):
                lock_conversation(unknown)
