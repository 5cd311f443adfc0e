"""A daphne process dies (kill -9) with sockets open.

Its customers reconnect to the other daphne with `after=` and send again what they did not see
come back: nothing is lost or doubled. Its agents' presence entries stop being refreshed, so
they stop counting as online within the TTL, and routing stops giving them chats.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.support.wsclient import is_message

from .clients import Agent, Customer, is_type
from .stack import Stack

pytestmark = [pytest.mark.production, pytest.mark.timeout(240)]

TTL = 4.0  # HELPDESK_PRESENCE_TTL_SECONDS in conftest.FAST


def _presence(stack: Stack, username: str) -> str:
    ((presence,),) = stack.sql(
        "SELECT p.presence FROM helpdesk_agentprofile p JOIN auth_user u ON u.id = p.user_id WHERE u.username = %s",
        username,
    )
    return presence


async def _wait_presence(stack: Stack, username: str, wanted: str, timeout: float) -> float:
    started = time.monotonic()
    while _presence(stack, username) != wanted:
        assert time.monotonic() - started < timeout, f"{username} still not {wanted} after {timeout}s"
        await asyncio.sleep(0.2)
    return time.monotonic() - started


async def _handed_to_agent(customer: Customer, server, agent: Agent) -> None:
    await customer.connect(server)
    await customer.until(is_message("bot"))
    await customer.client.send({"type": "request_human"})
    await customer.until(is_type("assigned"), timeout=20)
    await agent.until(lambda f: f.get("type") == "conversation.assigned" and f["conversation"]["id"] == customer.id)


async def test_customers_of_a_killed_daphne_resume_on_the_other_with_nothing_lost(stack: Stack) -> None:
    doomed, survivor = stack.daphnes
    agent = Agent("agent_general", survivor)
    await agent.connect(survivor)
    customer = Customer.start(doomed, "Ola")
    await _handed_to_agent(customer, doomed, agent)

    # A burst, and the process dies under it: some frames stored, some maybe never read.
    for i in range(1, 7):
        await customer.say(f"burst {i}", f"b-{i}")
    stack.kill_daphne(doomed)
    await agent.send({"type": "message", "conversation_id": customer.id, "body": "while you were away"})
    await agent.until(lambda f: f.get("type") == "ok" and f.get("action") == "message")
    await customer.wait_closed(10)

    await customer.connect(survivor)
    await customer.drain(1.0)  # the replay: what was stored after the last seq seen
    await customer.resend_unconfirmed()  # the same client_msg_id: stored at most once
    for i in range(7, 10):
        await customer.say(f"burst {i}", f"b-{i}")
    await customer.until(is_message("customer", "burst 9"))
    await agent.until(lambda f: f.get("type") == "message" and f["message"]["body"] == "burst 9")

    assert customer.bodies("customer") == [f"burst {i}" for i in range(1, 10)]
    assert customer.bodies("agent") == ["while you were away"]
    stored = stack.sql(
        "SELECT seq, client_msg_id FROM helpdesk_message WHERE conversation_id = %s AND NOT internal ORDER BY seq",
        customer.id,
    )
    assert [seq for seq, _ in stored] == list(range(1, len(stored) + 1)) == customer.seqs
    assert sorted(cmid for _, cmid in stored if cmid) == sorted(f"b-{i}" for i in range(1, 10))
    transcript = [m["body"] for m in agent.packet(survivor, customer.id)["transcript"]]
    assert all(transcript.count(f"burst {i}") == 1 for i in range(1, 10))

    await agent.send({"type": "resolve", "conversation_id": customer.id})
    await agent.until(lambda f: f.get("type") == "ok" and f.get("action") == "resolve")
    await customer.close()
    await agent.close()
    await asyncio.to_thread(stack.start_daphne)  # two daphnes again for the next test


async def test_an_agent_whose_daphne_died_stops_counting_as_online(stack: Stack) -> None:
    doomed, survivor = stack.daphnes
    agent = Agent("agent_general", doomed)
    await agent.connect(doomed)
    await _wait_presence(stack, "agent_general", "online", 10)
    # Routing counts them: a customer asking for a person is given to them.
    first = Customer.start(survivor, "Pia")
    await _handed_to_agent(first, survivor, agent)

    stack.kill_daphne(doomed)  # nobody will ever close the agent's socket
    agent.client = None
    took = await _wait_presence(stack, "agent_general", "offline", 20)
    # Stale after the TTL; the sweep runs every second; a little room for a busy machine.
    assert took < TTL + 6, took

    # Nobody of General is online now: the next customer waits, and is offered a callback.
    second = Customer.start(survivor, "Quin")
    await second.connect(survivor)
    await second.until(is_message("bot"))
    await second.client.send({"type": "request_human"})
    await second.until(is_type("handoff"))
    announced = [m for m in second.messages.values() if m["sender"] == "system"]
    assert {"label": "Request a callback", "value": "Request a callback"} in announced[-1]["options"]
    assert not [f for f in await second.drain(2.0) if f.get("type") == "assigned"]
    ((status, holder),) = stack.sql("SELECT status, agent_id FROM helpdesk_conversation WHERE id = %s", second.id)
    assert (status, holder) == ("queued", None)

    # Back on the surviving daphne: online again, and handed the chat that waited.
    await agent.connect(survivor)
    await agent.until(lambda f: f.get("type") == "conversation.assigned" and f["conversation"]["id"] == second.id)
    await second.until(is_type("assigned"))
    assert _presence(stack, "agent_general") == "online"

    for customer in (first, second):
        await agent.send({"type": "resolve", "conversation_id": customer.id})
        await agent.until(lambda f: f.get("type") == "ok" and f.get("action") == "resolve")
        await customer.close()
    await agent.close()
    await asyncio.to_thread(stack.start_daphne)


async def test_a_chat_held_by_an_agent_whose_daphne_died_goes_to_another_agent(stack: Stack) -> None:
    """The agent never comes back: past the queue's `offline_requeue_seconds` (3 s here) their
    chat returns to the queue at its old place and routing gives it to a colleague, with the
    whole transcript; the customer is told, and nothing they wrote is lost."""
    doomed, survivor = stack.daphnes
    stack.sql("UPDATE helpdesk_queue SET offline_requeue_seconds = 3 WHERE name = 'General' RETURNING 1")
    general_as_well = (
        "INSERT INTO helpdesk_agentprofile_queues (agentprofile_id, queue_id) "
        "SELECT p.id, q.id FROM helpdesk_agentprofile p JOIN auth_user u ON u.id = p.user_id, helpdesk_queue q "
        "WHERE u.username = 'agent_tech' AND q.name = 'General' RETURNING 1"
    )
    stack.sql(general_as_well)
    try:
        gone = Agent("agent_general", doomed)
        await gone.connect(doomed)
        await _wait_presence(stack, "agent_general", "online", 10)
        customer = Customer.start(survivor, "Ria")
        await _handed_to_agent(customer, survivor, gone)
        colleague = Agent("agent_tech", survivor)
        await colleague.connect(survivor)
        await customer.say("my parcel never came", "r-1")

        stack.kill_daphne(doomed)
        gone.client = None
        await customer.say("hello? anyone there?", "r-2")  # written while nobody reads it
        taken = await colleague.until(
            lambda f: f.get("type") == "conversation.assigned" and f["conversation"]["id"] == customer.id, timeout=30
        )
        transcript = [m["body"] for m in taken["conversation"]["transcript"]]
        assert "my parcel never came" in transcript and "hello? anyone there?" in transcript
        assigned = await customer.until(is_type("assigned"), timeout=10)
        assert assigned["agent_name"] != _display_name(stack, "agent_general")
        told = customer.bodies("system")
        assert any("lost their connection" in body for body in told), told
        ((status, holder, reason),) = stack.sql(
            "SELECT c.status, u.username, e.data->>'reason' FROM helpdesk_conversation c "
            "JOIN auth_user u ON u.id = c.agent_id JOIN helpdesk_conversationevent e "
            "ON e.conversation_id = c.id AND e.kind = 'transferred' WHERE c.id = %s",
            customer.id,
        )
        assert (status, holder, reason) == ("assigned", "agent_tech", "agent_offline")

        await colleague.send({"type": "resolve", "conversation_id": customer.id})
        await colleague.until(lambda f: f.get("type") == "ok" and f.get("action") == "resolve")
        await customer.close()
        await colleague.close()
    finally:
        stack.sql("UPDATE helpdesk_queue SET offline_requeue_seconds = 120 WHERE name = 'General' RETURNING 1")
        stack.sql(
            "DELETE FROM helpdesk_agentprofile_queues WHERE agentprofile_id = "
            "(SELECT p.id FROM helpdesk_agentprofile p JOIN auth_user u ON u.id = p.user_id "
            "WHERE u.username = 'agent_tech') AND queue_id = (SELECT id FROM helpdesk_queue WHERE name = 'General') "
            "RETURNING 1"
        )
        await asyncio.to_thread(stack.start_daphne)


def _display_name(stack: Stack, username: str) -> str:
    ((name,),) = stack.sql(
        "SELECT p.display_name FROM helpdesk_agentprofile p JOIN auth_user u ON u.id = p.user_id WHERE u.username = %s",
        username,
    )
    return name
