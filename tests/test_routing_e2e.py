"""Routing end to end through the sockets (the issue's scenario)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from helpdesk.models import Customer
from helpdesk.services.conversations import conversation_start
from tests.support.people import make_agent
from tests.support.sockets import agent_socket, customer, drain, frames_until, of_type

pytestmark = pytest.mark.django_db(transaction=True)

DISPUTE = "I was charged twice for the same order, please refund the extra charge"


async def dispute(name: str, email: str | None = None):
    conversation, token = await database_sync_to_async(conversation_start)(name=name, email=email)
    ws = await customer(conversation.pk, token)
    await drain(ws)
    await ws.send_json_to({"type": "message", "body": DISPUTE})
    return str(conversation.pk), ws


async def test_disputes_fill_the_billing_agent_then_queue_with_the_vip_first(queues) -> None:
    ben = await database_sync_to_async(make_agent)("ben", [queues["Billing"]], capacity=3, display_name="Ben")
    inbox = await agent_socket(ben)  # online from here

    held = []
    for i in range(3):
        cid, ws = await dispute(f"held {i}")
        assigned = (await frames_until(inbox, lambda f: f["type"] == "conversation.assigned"))[-1]["conversation"]
        assert assigned["id"] == cid and assigned["queue"] == "Billing"
        # The topic's rule, or the frustration rule before it when the head reads the dispute as
        # frustrated: to Billing either way.
        assert assigned["intent"] == "billing_dispute"
        assert assigned["handoff_trigger"] in {"topic_rule", "negative_sentiment"}
        assert any(m["body"] == DISPUTE for m in assigned["transcript"])
        assert (await frames_until(ws, of_type("assigned")))[-1]["agent_name"] == "Ben"
        held.append((cid, ws))

    regular_id, regular = await dispute("regular")
    handoff = (await frames_until(regular, of_type("handoff")))[-1]
    assert (handoff["queue"], handoff["position"], handoff["agent_name"]) == ("Billing", 1, None)

    await database_sync_to_async(Customer.objects.create)(email="vip@example.com", tier="vip")
    vip_id, vip = await dispute("vip", "vip@example.com")
    assert (await frames_until(vip, of_type("handoff")))[-1]["position"] == 1
    assert (await frames_until(regular, of_type("queue")))[-1]["position"] == 2

    await inbox.send_json_to({"type": "resolve", "conversation_id": held[0][0]})
    assigned = await frames_until(inbox, lambda f: f["type"] == "conversation.assigned")
    assert assigned[-1]["conversation"]["id"] == vip_id
    assert (await frames_until(vip, of_type("assigned")))[-1]["agent_name"] == "Ben"
    assert (await frames_until(regular, of_type("queue")))[-1]["position"] == 1
    for _, ws in [*held, (regular_id, regular), (vip_id, vip)]:
        await ws.disconnect()
    await inbox.disconnect()
