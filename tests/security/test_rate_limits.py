"""Rate limits: conversation creation per address (HTTP 429 with the body docs/protocol.md
documents) and frames per socket (`rate_limited` error frames, while every message that was
accepted is stored once and delivered once)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from channels.db import database_sync_to_async

from helpdesk.models import Conversation, Message
from tests.support.security import open_socket
from tests.support.sockets import agent_socket, drain, frames_until

pytestmark = pytest.mark.django_db(transaction=True)

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def _documented_429_body() -> dict:
    text = PROTOCOL.read_text()
    section = text[text.index("**`429 Too Many Requests`**") :]
    return json.loads(re.search(r"```json\n(.*?)\n```", section, re.S).group(1))


def _clear_of_window_edge(window_seconds: int, margin: float = 5.0) -> None:
    """The limit counts in fixed windows (helpdesk/security/ratelimit.py): requests that straddle a
    window's edge are counted in two, so the test starts well inside one."""
    left = window_seconds - time.time() % window_seconds
    if left < margin:
        time.sleep(left + 0.1)


def test_creation_over_the_limit_is_429_with_the_documented_body(client, queues, settings) -> None:
    settings.HELPDESK_CREATE_RATE = {"limit": 3, "window_seconds": 60}
    _clear_of_window_edge(60)
    codes = [
        client.post("/api/v1/conversations/", {}, "application/json", REMOTE_ADDR="10.1.1.1").status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 201]
    refused = client.post("/api/v1/conversations/", {"name": "Flood"}, "application/json", REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 429
    assert refused.json() == _documented_429_body()
    assert refused["Retry-After"] == "60"
    assert not Conversation.objects.filter(customer__name="Flood").exists()
    assert Conversation.objects.count() == 3
    # Another address has its own window.
    assert client.post("/api/v1/conversations/", {}, "application/json", REMOTE_ADDR="10.2.2.2").status_code == 201


async def test_a_customer_flood_is_refused_frame_by_frame_and_loses_no_accepted_message(queues, started) -> None:
    conversation, token = started
    ws, connected, _ = await open_socket(f"/ws/conversations/{conversation.pk}/?token={token}")
    assert connected
    await drain(ws)
    sent = [f"m{i}" for i in range(40)]
    for client_msg_id in sent:
        await ws.send_json_to({"type": "message", "body": f"flood {client_msg_id}", "client_msg_id": client_msg_id})
    frames = await drain(ws, timeout=1.5)
    errors = [f for f in frames if f["type"] == "error"]
    echoed = [f["message"] for f in frames if f["type"] == "message" and f["message"]["sender"] == "customer"]

    assert errors, "a burst of 40 must hit the limit (10 a second, burst 10)"
    assert all(e["code"] == "rate_limited" and e["detail"] for e in errors)
    refused = [e["client_msg_id"] for e in errors]
    accepted = [m["client_msg_id"] for m in echoed]
    # Every frame got exactly one answer: stored and echoed, or refused by name.
    assert sorted(refused + accepted, key=sent.index) == sent
    assert not set(refused) & set(accepted)
    stored = await database_sync_to_async(
        lambda: list(
            Message.objects.filter(conversation=conversation, sender="customer").values_list("client_msg_id", flat=True)
        )
    )()
    assert sorted(stored, key=sent.index) == accepted  # stored once each, in order, nothing extra
    seqs = [f["message"]["seq"] for f in frames if f["type"] == "message"]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))  # delivered once each, in order

    # The refused ones, sent again at a polite pace, all go through.
    await ws.send_json_to({"type": "message", "body": "again", "client_msg_id": refused[0]})
    again = await frames_until(
        ws, lambda f: f["type"] in ("message", "error") and f.get("message", f).get("client_msg_id") == refused[0]
    )
    assert again[-1]["type"] == "message"
    await ws.disconnect()


async def test_an_agent_flood_is_refused_and_every_accepted_note_is_stored(queues, agent, started, settings) -> None:
    from helpdesk.services.handoff import conversation_request_handoff

    # A slow bucket: the flood must hit it however slowly a busy machine stores each note
    # (at the default 20 a second, notes stored at over 50 ms each never drain it).
    settings.HELPDESK_AGENT_RATE = {"rate_per_second": 2.0, "burst": 20}
    conversation, _ = started
    cid = str(conversation.pk)
    await database_sync_to_async(conversation_request_handoff)(
        conversation_id=cid, trigger="explicit_request", actor_type="customer"
    )
    inbox = await agent_socket(agent)
    await drain(inbox)
    for i in range(60):
        await inbox.send_json_to({"type": "note", "conversation_id": cid, "body": f"note {i}"})
    answers = [f for f in await drain(inbox, timeout=1.5) if f["type"] in ("ok", "error")]
    oks = [f for f in answers if f["type"] == "ok"]
    errors = [f for f in answers if f["type"] == "error"]
    assert len(answers) == 60
    assert errors and all(e["code"] == "rate_limited" and e["conversation_id"] == cid for e in errors)
    notes = await database_sync_to_async(
        lambda: list(Message.objects.filter(conversation_id=cid, internal=True).values_list("pk", flat=True))
    )()
    assert sorted(int(f["message_id"]) for f in oks) == sorted(notes)
    await inbox.disconnect()
