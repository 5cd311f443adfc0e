"""The sockets, through Channels' in-memory layer and communicators (no network)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application
from helpdesk.models import Conversation, Message
from tests.support.sockets import agent_socket, customer, drain, frames_until, of_type

pytestmark = pytest.mark.django_db(transaction=True)


async def test_replay_then_live_in_order_and_resume_with_after(queues, started) -> None:
    conversation, token = started
    ws = await customer(conversation.pk, token)
    greeting = json.loads(await ws.receive_from())
    assert greeting["type"] == "message" and greeting["message"]["seq"] == 1
    await ws.send_json_to({"type": "message", "body": "hello there", "client_msg_id": "c-1"})
    got = await frames_until(ws, lambda f: f["type"] == "message" and f["message"]["sender"] == "bot")
    seqs = [f["message"]["seq"] for f in got if f["type"] == "message"]
    assert seqs == [2, 3]
    assert got[0]["message"]["client_msg_id"] == "c-1"
    await ws.disconnect()

    again = await customer(conversation.pk, token, after=2)
    replay = await drain(again)
    assert [f["message"]["seq"] for f in replay] == [3]
    await again.disconnect()

    everything = await customer(conversation.pk, token)
    assert [f["message"]["seq"] for f in await drain(everything)] == [1, 2, 3]
    await everything.disconnect()


async def test_a_busy_shared_sync_thread_holds_up_no_frame_and_no_push(queues, started) -> None:
    """The sockets' database work runs on a pool of its own (helpdesk/consumers/db.py), and no
    frame or push waits for the process's one shared sync thread (thread-sensitive calls):
    a slow call there holds no customer's message up."""
    conversation, token = started
    ws = await customer(conversation.pk, token)
    await frames_until(ws, lambda f: f["type"] == "message")  # the greeting
    busy = asyncio.ensure_future(sync_to_async(time.sleep)(3))  # the shared thread, for 3 s
    await asyncio.sleep(0.1)
    sent = time.monotonic()
    await ws.send_json_to({"type": "message", "body": "hello there", "client_msg_id": "busy-1"})
    await frames_until(ws, lambda f: f["type"] == "message" and f["message"]["client_msg_id"] == "busy-1")
    assert time.monotonic() - sent < 1.5
    assert not busy.done()
    await busy
    await ws.disconnect()


async def _listening(group: str) -> tuple[object, str]:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return layer, channel


async def test_a_sockets_database_call_pushes_from_the_loop_in_order_after_it_returns(started) -> None:
    """helpdesk/consumers/db.py: a call's pushes are not sent from its thread (a hop to the
    loop and back for each) but by the awaiting coroutine, in the order the call made them,
    before the call's answer reaches the caller; a call that raises after its commit still
    pushes what it committed."""
    from helpdesk.consumers.db import db
    from helpdesk.infrastructure import realtime

    conversation, _ = started
    layer, channel = await _listening(realtime.customer_group(conversation.pk))

    def pushes_then(fails: bool) -> str:
        for n in range(3):
            realtime.customer_frame(conversation.pk, {"type": "typing", "n": n})
        assert realtime._collecting.sends, "kept for the coroutine, not sent from this thread"
        if fails:
            raise ValueError("after the commit")
        return "answered"

    assert await db(pushes_then)(False) == "answered"
    got = [await asyncio.wait_for(layer.receive(channel), 1) for _ in range(3)]
    assert [event["frame"]["n"] for event in got] == [0, 1, 2]

    with pytest.raises(ValueError):
        await db(pushes_then)(True)
    got = [await asyncio.wait_for(layer.receive(channel), 1) for _ in range(3)]
    assert [event["frame"]["n"] for event in got] == [0, 1, 2]


async def test_a_call_whose_socket_went_away_still_pushes_what_it_committed(started) -> None:
    """The socket's task is cancelled while its call runs (the client is gone): the call
    finishes in its thread, and its pushes go out when it does."""
    import threading

    from helpdesk.consumers.db import db
    from helpdesk.infrastructure import realtime

    conversation, _ = started
    layer, channel = await _listening(realtime.staff_group(conversation.pk))
    entered, release = threading.Event(), threading.Event()

    def slow_write() -> None:
        entered.set()
        release.wait(5)
        realtime.agents_frame([realtime.staff_group(conversation.pk)], {"type": "typing", "sender": "customer"})

    call = asyncio.ensure_future(db(slow_write)())
    await sync_to_async(entered.wait, thread_sensitive=False)(5)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    release.set()
    event = await asyncio.wait_for(layer.receive(channel), 2)
    assert event["frame"] == {"type": "typing", "sender": "customer"}


@pytest.mark.parametrize("token_kind", ["missing", "forged", "other"])
async def test_bad_tokens_are_refused(queues, started, token_kind) -> None:
    from helpdesk.services.conversations import conversation_start

    conversation, _ = started
    other_token = (await database_sync_to_async(conversation_start)(name="other"))[1]
    token = {"missing": "", "forged": "x" * 43, "other": other_token}[token_kind]
    communicator = WebsocketCommunicator(application, f"/ws/conversations/{conversation.pk}/?token={token}")
    connected, _ = await communicator.connect()
    assert not connected


async def test_cross_site_origin_is_refused(queues, started) -> None:
    conversation, token = started
    communicator = WebsocketCommunicator(
        application,
        f"/ws/conversations/{conversation.pk}/?token={token}",
        headers=[(b"origin", b"https://evil.example")],
    )
    connected, _ = await communicator.connect()
    assert not connected
    same_site = WebsocketCommunicator(
        application,
        f"/ws/conversations/{conversation.pk}/?token={token}",
        headers=[(b"origin", b"http://localhost:8000")],
    )
    connected, _ = await same_site.connect()
    assert connected
    await same_site.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_frame"),
        ('{"no": "type"}', "bad_frame"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "message", "body": ""}', "empty_body"),
        ('{"type": "message"}', "bad_frame"),
        (json.dumps({"type": "message", "body": "x" * 4001}), "too_long"),
        (json.dumps({"type": "message", "body": "x" * 70000}), "frame_too_large"),
        ('{"type": "csat", "score": 9}', "invalid_score"),
    ],
)
async def test_bad_frames_get_an_error_store_nothing_and_keep_the_socket(queues, started, raw, code) -> None:
    conversation, token = started
    ws = await customer(conversation.pk, token)
    await drain(ws)
    before = await database_sync_to_async(Message.objects.count)()
    await ws.send_to(text_data=raw)
    error = json.loads(await ws.receive_from())
    assert error["type"] == "error" and error["code"] == code and error["detail"]
    assert await database_sync_to_async(Message.objects.count)() == before
    await ws.send_json_to({"type": "message", "body": "still here?"})
    assert (await frames_until(ws, of_type("message")))[-1]["message"]["body"] == "still here?"
    await ws.disconnect()


async def test_a_flood_gets_rate_limited(queues, started) -> None:
    conversation, token = started
    ws = await customer(conversation.pk, token)
    await drain(ws)
    started = time.monotonic()
    for i in range(30):
        await ws.send_json_to({"type": "message", "body": f"spam {i}"})
    frames = await drain(ws, timeout=1.0)
    elapsed = time.monotonic() - started - 1.0  # the drain's final wait admits nothing
    errors = [f for f in frames if f["type"] == "error"]
    assert errors and all(f["code"] == "rate_limited" for f in errors)
    stored = await database_sync_to_async(Message.objects.filter(conversation=conversation, sender="customer").count)()
    # The bucket: a burst of 10, then 10 a second (a slow machine processes the 30 frames
    # over a longer time, so refills admit a few more; never all of them).
    rate = settings.HELPDESK_CUSTOMER_RATE
    assert stored <= rate["burst"] + rate["rate_per_second"] * elapsed + 1
    assert stored + len(errors) == 30
    await ws.disconnect()


async def test_message_html_is_stored_and_sent_as_text(queues, started) -> None:
    conversation, token = started
    ws = await customer(conversation.pk, token)
    await drain(ws)
    body = '<img src=x onerror="alert(1)"><b>hi</b>'
    await ws.send_json_to({"type": "message", "body": body})
    echo = (await frames_until(ws, of_type("message")))[-1]
    assert echo["message"]["body"] == body
    await ws.disconnect()


async def test_anonymous_and_non_agent_sockets_are_refused(queues, started) -> None:
    communicator = WebsocketCommunicator(application, "/ws/agent/")
    connected, _ = await communicator.connect()
    assert not connected
    forged = WebsocketCommunicator(application, "/ws/agent/?token=deadbeef")
    connected, _ = await forged.connect()
    assert not connected


async def test_full_conversation_between_customer_and_agent(queues, agent, started) -> None:
    conversation, token = started
    cid = str(conversation.pk)
    ws = await customer(cid, token)
    inbox = await agent_socket(agent)
    await drain(ws)
    await ws.send_json_to({"type": "message", "body": "which payment methods do you take?"})
    await frames_until(ws, lambda f: f["type"] == "message" and f["message"]["sender"] == "bot")
    await ws.send_json_to({"type": "request_human"})
    handoff = (await frames_until(ws, of_type("handoff")))[-1]
    assert handoff["queue"] == "General" and handoff["agent_name"] is None
    assert handoff["position"] == 1 and handoff["estimated_wait_seconds"] > 0

    queued = (await frames_until(inbox, of_type("conversation.queued")))[-1]["conversation"]
    assert queued["id"] == cid and queued["handoff_trigger"] == "explicit_request"
    assert any(m["body"] == "which payment methods do you take?" for m in queued["transcript"])

    # Grace is online with a free slot: routing assigns it to her at once.
    assigned = (await frames_until(inbox, of_type("conversation.assigned")))[-1]
    assert assigned["conversation"]["status"] == "assigned"
    assert (await frames_until(ws, of_type("assigned")))[-1]["agent_name"] == "Grace"

    await inbox.send_json_to({"type": "note", "conversation_id": cid, "body": "customer seems upset"})
    await inbox.send_json_to({"type": "message", "conversation_id": cid, "body": "Hi Dana, I'm on it"})
    got = await frames_until(ws, lambda f: f["type"] == "message" and f["message"]["sender"] == "agent")
    assert got[-1]["message"]["body"] == "Hi Dana, I'm on it" and got[-1]["message"]["author_name"] == "Grace"
    assert not any("upset" in json.dumps(f) for f in got)

    await ws.send_json_to({"type": "typing"})
    assert (await frames_until(inbox, of_type("typing")))[-1] == {
        "type": "typing",
        "conversation_id": cid,
        "sender": "customer",
    }
    await ws.send_json_to({"type": "message", "body": "thank you"})
    from_customer = (
        await frames_until(inbox, lambda f: f["type"] == "message" and f["message"]["sender"] == "customer")
    )[-1]
    assert from_customer["conversation_id"] == cid and from_customer["message"]["body"] == "thank you"

    await inbox.send_json_to({"type": "resolve", "conversation_id": cid})
    assert (await frames_until(ws, of_type("csat_request")))[-1] == {"type": "csat_request", "scale": 5}
    await ws.send_json_to({"type": "csat", "score": 5, "comment": "great"})
    assert (await frames_until(inbox, of_type("csat")))[-1]["score"] == 5

    # A customer who reconnects replays everything but the note.
    await ws.disconnect()
    replay = await drain(await customer(cid, token))
    bodies = [f["message"]["body"] for f in replay]
    seqs = [f["message"]["seq"] for f in replay]
    assert seqs == list(range(1, len(seqs) + 1))
    assert "customer seems upset" not in bodies and "Hi Dana, I'm on it" in bodies
    await inbox.disconnect()


async def test_two_agents_accept_one_wins_other_gets_error(queues, agent, teammate, started) -> None:
    conversation, token = started
    cid = str(conversation.pk)
    # Agents pick for themselves in a queue without auto-assignment.
    await database_sync_to_async(type(queues["General"]).objects.filter(name="General").update)(auto_assign=False)
    from helpdesk.services.handoff import conversation_request_handoff

    await database_sync_to_async(conversation_request_handoff)(
        conversation_id=cid, trigger="explicit_request", actor_type="customer"
    )
    first, second = await agent_socket(agent), await agent_socket(teammate)
    await first.send_json_to({"type": "accept", "conversation_id": cid})
    await second.send_json_to({"type": "accept", "conversation_id": cid})
    outcome_first = await frames_until(first, lambda f: f["type"] in {"ok", "error"})
    outcome_second = await frames_until(second, lambda f: f["type"] in {"ok", "error"})
    kinds = sorted([outcome_first[-1]["type"], outcome_second[-1]["type"]])
    assert kinds == ["error", "ok"]
    loser = outcome_first[-1] if outcome_first[-1]["type"] == "error" else outcome_second[-1]
    assert loser["code"] == "already_taken" and loser["conversation_id"] == cid
    await first.disconnect()
    await second.disconnect()


async def test_outsider_agent_can_neither_read_nor_act(queues, agent, outsider, started) -> None:
    conversation, _ = started
    cid = str(conversation.pk)
    from helpdesk.services.handoff import conversation_request_handoff

    await database_sync_to_async(conversation_request_handoff)(
        conversation_id=cid, trigger="explicit_request", actor_type="customer"
    )
    inbox = await agent_socket(outsider)
    for frame in (
        {"type": "accept", "conversation_id": cid},
        {"type": "watch", "conversation_id": cid},
        {"type": "note", "conversation_id": cid, "body": "peek"},
        {"type": "message", "conversation_id": cid, "body": "hi"},
        {"type": "resolve", "conversation_id": cid},
    ):
        await inbox.send_json_to(frame)
        error = (await frames_until(inbox, of_type("error")))[-1]
        assert error["code"] == "forbidden", frame
    refreshed = await database_sync_to_async(Conversation.objects.get)(pk=cid)
    assert refreshed.status == "queued" and refreshed.agent_id is None
    notes = await database_sync_to_async(Message.objects.filter(conversation_id=cid, internal=True).count)()
    assert notes == 0
    await inbox.disconnect()


async def test_presence_follows_the_inbox_socket(queues, agent) -> None:
    from helpdesk.models import AgentProfile

    async def presence() -> str:
        return (await database_sync_to_async(AgentProfile.objects.get)(pk=agent.pk)).presence

    assert await presence() == "offline"
    inbox = await agent_socket(agent)
    await asyncio.sleep(0.1)
    assert await presence() == "online"
    await inbox.send_json_to({"type": "presence", "status": "away"})
    await frames_until(inbox, lambda f: f == {"type": "presence", "status": "away"})
    await inbox.disconnect()
    await asyncio.sleep(0.1)
    assert await presence() == "offline"


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "%00", "x" * 500])
async def test_malformed_or_unknown_conversation_ids_are_refused(queues, started, bad_id) -> None:
    _, token = started
    communicator = WebsocketCommunicator(application, f"/ws/conversations/{bad_id}/?token={token}")
    connected, _ = await communicator.connect()
    assert not connected


async def test_a_retried_client_msg_id_is_not_shown_twice(queues, started) -> None:
    conversation, token = started
    ws = await customer(conversation.pk, token)
    await drain(ws)
    await ws.send_json_to({"type": "message", "body": "once", "client_msg_id": "r-1"})
    await drain(ws)
    await ws.send_json_to({"type": "message", "body": "once", "client_msg_id": "r-1"})
    assert await drain(ws) == []
    await ws.disconnect()
    # After a reconnect that missed the echo, the retry brings it back exactly once.
    again = await customer(conversation.pk, token, after=1)
    replayed = await drain(again)
    assert [f["message"]["client_msg_id"] for f in replayed].count("r-1") == 1
    await again.disconnect()


async def test_accepting_a_conversation_routing_already_gave_you_is_ok(queues, agent, started) -> None:
    conversation, token = started
    cid = str(conversation.pk)
    inbox = await agent_socket(agent)  # online: routing assigns at handoff
    ws = await customer(cid, token)
    await ws.send_json_to({"type": "request_human"})
    await frames_until(inbox, lambda f: f["type"] == "conversation.assigned")
    await inbox.send_json_to({"type": "accept", "conversation_id": cid})
    answer = (await frames_until(inbox, lambda f: f["type"] in {"ok", "error"}))[-1]
    assert answer == {"type": "ok", "action": "accept", "conversation_id": cid}
    await ws.disconnect()
    await inbox.disconnect()
