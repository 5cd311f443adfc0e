"""PostgreSQL drops every connection of the desk (a restart, a failover, an idle-connection
reaper) between two customer messages, or refuses connections for a while.

Daphnes and Celery workers keep their database connections between requests and tasks
(CONN_MAX_AGE, CELERY_DB_REUSE_MAX). Each request and each task starts by dropping a connection
that no longer works (Django's health check), so the next message is stored and answered once,
with no failed turn and no retry. While the database refuses connections, a customer's frame is
refused with an `unavailable` error on a socket that stays open, and REST answers 503; sent
again once the database is back, the message is stored and answered once.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from tests.support.services import PG_ADMIN_URL
from tests.support.wsclient import is_message

from .clients import Customer, is_type
from .stack import Stack

pytestmark = [pytest.mark.production, pytest.mark.timeout(120)]


def _dropped(stack: Stack) -> int:
    ((count,),) = stack.sql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return count


def _answers(stack: Stack, message_id: str) -> tuple[int, int]:
    ((predictions,),) = stack.sql("SELECT count(*) FROM bots_messageprediction WHERE message_id = %s", int(message_id))
    ((replies,),) = stack.sql(
        "SELECT count(*) FROM helpdesk_message WHERE sender = 'bot' AND data->>'in_reply_to' = %s", message_id
    )
    return predictions, replies


async def test_dropped_database_connections_lose_no_message_and_fail_no_turn(stack: Stack) -> None:
    server = stack.daphnes[0]
    customer = Customer.start(server, "Noor")
    await customer.connect(server)
    await customer.until(is_message("bot"))  # the greeting
    await customer.say("what is your return policy", "db-1")
    await customer.until(is_message("bot"))  # every process now holds a connection

    logged = {id(w): len(w.log()) for w in stack.workers}
    assert _dropped(stack) >= 1

    await customer.say("how long does shipping to france take", "db-2")
    mine = await customer.until(is_message("customer"), timeout=20)
    reply = await customer.until(is_message("bot"), timeout=20)
    assert mine["message"]["client_msg_id"] == "db-2"
    assert reply["message"]["seq"] == mine["message"]["seq"] + 1
    assert [f for f in await customer.drain(2.0) if f.get("type") == "message"] == []
    assert _answers(stack, mine["message"]["id"]) == (1, 1)
    # Answered on the first try: no worker logged a failed or retried turn.
    for worker in stack.workers:
        since = worker.log()[logged.get(id(worker), 0) :]
        assert "Retry in" not in since and "raised unexpected" not in since, since[-2000:]
    await customer.close()


@contextmanager
def _refusing_connections(stack: Stack) -> Iterator[None]:
    """The desk's database refuses new connections and drops the ones it has."""
    ((name,),) = stack.sql("SELECT current_database()")
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        try:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')


def _post(url: str, body: dict) -> tuple[int, dict, str | None]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read()), answer.headers.get("Retry-After")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), error.headers.get("Retry-After")


async def test_a_database_refusing_connections_refuses_the_frame_and_the_resend_is_stored_once(stack: Stack) -> None:
    server = stack.daphnes[1]
    customer = Customer.start(server, "Ines")
    await customer.connect(server)
    await customer.until(is_message("bot"))  # the greeting

    with _refusing_connections(stack):
        await customer.say("do you take paypal", "down-1")
        refused = await customer.until(is_type("error"), timeout=20)
        assert (refused["code"], refused["client_msg_id"]) == ("unavailable", "down-1"), refused
        status, body, retry_after = _post(f"{server.url}/api/v1/conversations/", {"name": "Ida"})
        assert (status, body.get("code"), retry_after) == (503, "unavailable", "5"), body

    # The same socket, the same frame again, now that the database is back.
    await customer.say("do you take paypal", "down-1")
    mine = await customer.until(is_message("customer"), timeout=20)
    reply = await customer.until(is_message("bot"), timeout=20)
    assert mine["message"]["client_msg_id"] == "down-1"
    assert reply["message"]["seq"] == mine["message"]["seq"] + 1
    ((stored,),) = stack.sql("SELECT count(*) FROM helpdesk_message WHERE client_msg_id = 'down-1'")
    assert stored == 1
    assert _answers(stack, mine["message"]["id"]) == (1, 1)
    await customer.close()
