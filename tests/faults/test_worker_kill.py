"""A Celery worker dies (kill -9) while it reads a customer's message.

The task is acknowledged late, so Redis still holds it: after `visibility_timeout` another
worker takes the same task again and the customer is answered, once. The test hold
(HELPDESK_TEST_HOLD_FILE) keeps the first worker inside the task until it is killed.
"""

from __future__ import annotations

import asyncio
import os
import re
import time

import pytest

from tests.support.wsclient import is_message

from .clients import Customer
from .stack import Stack

pytestmark = [pytest.mark.production, pytest.mark.timeout(240)]

RECEIVED = re.compile(r"Task bots\.tasks\.handle_message\[([0-9a-f-]+)\] received")


def _answers(stack: Stack, message_id: int) -> tuple[int, int]:
    """(predictions, bot replies) stored for one customer message."""
    ((predictions,),) = stack.sql("SELECT count(*) FROM bots_messageprediction WHERE message_id = %s", message_id)
    ((replies,),) = stack.sql(
        "SELECT count(*) FROM helpdesk_message WHERE sender = 'bot' AND data->>'in_reply_to' = %s", str(message_id)
    )
    return predictions, replies


async def test_a_worker_killed_while_it_classifies_is_replaced_and_the_customer_answered_once(stack: Stack) -> None:
    server = stack.daphnes[0]
    customer = Customer.start(server, "Kim")
    await customer.connect(server)
    await customer.until(is_message("bot"))  # the greeting, seq 1

    stack.hold_file.touch()
    try:
        await customer.say("hmm blorp", "kill-1")
        await customer.until(is_message("customer"))
        pid, message_id = await asyncio.to_thread(stack.worker_holding)
        victim = next(w for w in stack.workers if w.process.pid == os.getpgid(pid))
        task_id = RECEIVED.findall(victim.log())[-1]
        stack.kill_worker(victim)  # the worker and its prefork child, mid-task
    finally:
        stack.hold_file.unlink()
    killed_at = time.monotonic()
    replacement = stack.start_worker()

    reply = await customer.until(is_message("bot"), timeout=45)
    waited = time.monotonic() - killed_at
    assert reply["message"]["seq"] == 3
    # Nothing more: no second answer, however many workers saw the task.
    assert [f for f in await customer.drain(3.0) if f.get("type") == "message"] == []
    assert _answers(stack, message_id) == (1, 1)
    # The same task (its id), handed out again by Redis; not a new one from the recovery sweep.
    assert any(task_id in RECEIVED.findall(w.log()) for w in stack.workers), "the task was not redelivered"
    # visibility_timeout is 5 s here, looked for every second; the worker start is the rest.
    assert waited < 30, waited
    await customer.close()
    await asyncio.to_thread(stack.wait_ready, replacement)


async def test_a_task_handed_out_twice_at_once_still_answers_once(stack: Stack) -> None:
    """A task that outlives the visibility timeout is given to a second worker while the first
    still runs it: both runs go on at once, and only one answer may be stored."""
    server = stack.daphnes[1]
    customer = Customer.start(server, "Lee")
    await customer.connect(server)
    await customer.until(is_message("bot"))

    stack.hold_file.touch()
    try:
        await customer.say("hmm blorp", "twice-1")
        await customer.until(is_message("customer"))
        first_pid, message_id = await asyncio.to_thread(stack.worker_holding)
        # Past the visibility timeout the other worker gets the same task and waits too.
        second_pid, again = await asyncio.to_thread(stack.worker_holding, 30)
        assert again == message_id and os.getpgid(second_pid) != os.getpgid(first_pid)
    finally:
        stack.hold_file.unlink()  # both runs go on together

    reply = await customer.until(is_message("bot"), timeout=30)
    assert reply["message"]["seq"] == 3
    assert [f for f in await customer.drain(3.0) if f.get("type") == "message"] == []
    assert _answers(stack, message_id) == (1, 1)
    await customer.close()
