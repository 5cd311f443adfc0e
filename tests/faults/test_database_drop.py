"""PostgreSQL drops every connection of the desk (a restart, a failover, an idle-connection
reaper) between two customer messages.

Daphnes and Celery workers keep their database connections between requests and tasks
(CONN_MAX_AGE, CELERY_DB_REUSE_MAX). Each request and each task starts by dropping a connection
that no longer works (Django's health check), so the next message is stored and answered once,
with no failed turn and no retry.
"""

from __future__ import annotations

import pytest

from tests.support.wsclient import is_message

from .clients import Customer
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
