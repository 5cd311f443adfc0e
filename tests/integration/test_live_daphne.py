"""A real daphne (embedded mode) and a real websocket client that speaks only the contract."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.servers import DEMO_PASSWORD, Server, http_json
from tests.support.wsclient import Client, is_message

pytestmark = pytest.mark.timeout(90)


def start_conversation(server: Server, **body) -> dict:
    status, answer = http_json("POST", f"{server.url}/api/v1/conversations/", body)
    assert status == 201, answer
    return answer


def agent_token(server: Server, username: str) -> str:
    status, answer = http_json(
        "POST", f"{server.url}/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD}
    )
    assert status == 200, answer
    return answer["token"]


async def test_customer_and_agent_talk_and_a_reconnect_misses_nothing(live_daphne: Server) -> None:
    conversation = start_conversation(live_daphne, name="Lee", email="lee@example.com")
    cid = conversation["id"]
    inbox = await Client.connect(f"{live_daphne.ws_url}/ws/agent/?token={agent_token(live_daphne, 'agent_general')}")
    chat = await Client.connect(live_daphne.ws_url + conversation["ws_url"])

    greeting = await chat.until_type("message")
    assert greeting["message"]["sender"] == "bot" and "automated" in greeting["message"]["author_name"].lower()
    await chat.send({"type": "message", "body": "I need a person please", "client_msg_id": "k1"})
    handoff = await chat.until_type("handoff")
    assert handoff["queue"] == "General" and handoff["position"] >= 1

    queued = await inbox.until(lambda f: f["type"] == "conversation.queued" and f["conversation"]["id"] == cid)
    assert queued[-1]["conversation"]["handoff_trigger"] == "explicit_request"
    # agent_general is online with free slots: assigned at once, no accept needed.
    await inbox.until(lambda f: f["type"] == "conversation.assigned" and f["conversation"]["id"] == cid)
    assert (await chat.until_type("assigned"))["agent_name"] == "Grace"

    await inbox.send({"type": "message", "conversation_id": cid, "body": "Hello Lee, Grace here."})
    got = await chat.until(is_message("agent"))
    last_seq = got[-1]["message"]["seq"]

    # The customer drops; the agent keeps writing; the customer comes back with after=.
    await chat.close()
    for i in range(3):
        await inbox.send({"type": "message", "conversation_id": cid, "body": f"while you were away {i}"})
    await inbox.send({"type": "note", "conversation_id": cid, "body": "internal only"})
    await inbox.until(lambda f: f["type"] == "message" and f["message"].get("internal") is True)
    back = await Client.connect(f"{live_daphne.ws_url}{conversation['ws_url']}&after={last_seq}")
    replay = await back.quiet(1.0)
    assert [f["message"]["seq"] for f in replay] == [last_seq + 1, last_seq + 2, last_seq + 3]
    assert [f["message"]["body"] for f in replay] == [f"while you were away {i}" for i in range(3)]

    await back.send({"type": "message", "body": "got them, thanks"})
    assert (await inbox.until(is_message("customer", "got them, thanks")))[-1]["conversation_id"] == cid
    await back.close()
    await inbox.close()


async def test_the_pages_and_static_files_are_served(live_daphne: Server) -> None:
    import urllib.request

    def fetch(path: str) -> tuple[int, str]:
        with urllib.request.urlopen(f"{live_daphne.url}{path}", timeout=10) as answer:
            return answer.status, answer.read().decode()

    status, html = await asyncio.to_thread(fetch, "/chat/")
    assert status == 200 and "automated" in html.lower()
    status, _ = await asyncio.to_thread(fetch, "/static/js/chat.js")
    assert status == 200


async def test_an_oversize_frame_over_the_wire_gets_an_error_and_the_socket_stays(live_daphne: Server) -> None:
    conversation = start_conversation(live_daphne)
    chat = await Client.connect(live_daphne.ws_url + conversation["ws_url"])
    await chat.until_type("message")
    await chat.send('{"type": "message", "body": "' + "é" * 100_000 + '"}')  # 200 KB of UTF-8
    error = await chat.until_type("error")
    assert error["code"] == "frame_too_large"
    await chat.send({"type": "message", "body": "still connected"})
    assert (await chat.until(is_message("customer")))[-1]["message"]["body"] == "still connected"
    await chat.close()
