"""Production mode across processes: two daphnes on Redis and PostgreSQL and a Celery worker.

The customer talks to one daphne, the agent to the other; every frame crosses processes
through Redis pub/sub, every write goes to PostgreSQL, and the bot's turn runs in the worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import DEMO_PASSWORD, Server, base_env, celery_worker, daphne, http_json, manage
from tests.support.services import fresh_database, require_postgres, require_redis
from tests.support.wsclient import Client, is_message

pytestmark = [pytest.mark.production, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def stack(artifacts: Path) -> Iterator[tuple[Server, Server]]:
    admin_url = require_postgres()
    redis_url = require_redis()
    database_url = fresh_database(admin_url, "helpdesk_e2e")
    env = base_env(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY="e2e-secret-key-not-for-production",
        DEBUG="0",
        HELPDESK_HTTPS="0",  # plain http on 127.0.0.1 (docs/security.md)
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HELPDESK_CREATE_RATE_LIMIT="1000",
    )
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--password", DEMO_PASSWORD)
    with (
        celery_worker(env, artifacts),
        daphne(env, artifacts, "prod-a") as first,
        daphne(env, artifacts, "prod-b") as second,
    ):
        yield first, second


def test_healthz_names_the_production_parts(stack) -> None:
    status, body = http_json("GET", f"{stack[0].url}/healthz")
    assert status == 200, body
    assert body["mode"] == "production"
    assert body["database"]["engine"] == "postgresql"
    assert body["channel_layer"]["backend"].endswith("RedisPubSubChannelLayer") and body["channel_layer"]["ok"]
    assert body["broker"] == {"backend": "redis", "ok": True}


def test_with_debug_off_the_app_serves_its_own_pages_and_static_files(stack) -> None:
    import urllib.request

    for path in ("/chat/", "/static/js/chat.js", "/static/css/chat.css", "/login/"):
        with urllib.request.urlopen(f"{stack[0].url}{path}", timeout=10) as answer:
            assert answer.status == 200, path


async def test_messages_cross_between_two_daphne_processes(stack) -> None:
    customer_side, agent_side = stack
    status, conversation = http_json("POST", f"{customer_side.url}/api/v1/conversations/", {"name": "Pat"})
    assert status == 201
    cid = conversation["id"]
    status, token = http_json(
        "POST", f"{agent_side.url}/api/v1/auth/token/", {"username": "agent_general", "password": DEMO_PASSWORD}
    )
    inbox = await Client.connect(f"{agent_side.ws_url}/ws/agent/?token={token['token']}")
    chat = await Client.connect(customer_side.ws_url + conversation["ws_url"])
    await chat.until(is_message("bot"))

    # The bot's answer comes from the Celery worker, a third process.
    await chat.send({"type": "message", "body": "hmm blorp", "client_msg_id": "p1"})
    answer = await chat.until(is_message("bot"), timeout=20)
    assert answer[-1]["message"]["seq"] == 3

    await chat.send({"type": "request_human"})
    await chat.until_type("handoff")
    await inbox.until(lambda f: f["type"] == "conversation.queued" and f["conversation"]["id"] == cid)
    await inbox.until(lambda f: f["type"] == "conversation.assigned" and f["conversation"]["id"] == cid)
    await chat.until_type("assigned")

    await inbox.send({"type": "message", "conversation_id": cid, "body": "From process B"})
    assert (await chat.until(is_message("agent")))[-1]["message"]["body"] == "From process B"
    await chat.send({"type": "message", "body": "From process A"})
    got = await inbox.until(is_message("customer", "From process A"))
    assert got[-1]["conversation_id"] == cid

    # A reconnect to the other process replays from PostgreSQL.
    await chat.close()
    again = await Client.connect(agent_side.ws_url + conversation["ws_url"])
    replay = await again.quiet(1.0)
    seqs = [f["message"]["seq"] for f in replay]
    assert seqs == list(range(1, len(seqs) + 1)) and replay[-1]["message"]["body"] == "From process A"
    await again.close()
    await inbox.close()
