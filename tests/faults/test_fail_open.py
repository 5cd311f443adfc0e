"""Fail open across real processes: whatever breaks behind the bot, every customer message is
answered or honestly handed over within the bound, stored once, none lost or doubled.

Its own stack (PostgreSQL, a private Redis, two daphnes, two workers, beat) with a short
answer bound, mail to a real SMTP server on loopback (aiosmtpd) that the tests stop and start,
and the order API a stand-in shop on loopback that the tests make fail or slow down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.support.servers import free_port, http_json
from tests.support.shop import Shop
from tests.support.wsclient import is_message

from .clients import Customer, is_type
from .stack import Stack, running_stack

pytestmark = [pytest.mark.production, pytest.mark.timeout(300)]

BOUND = 6.0  # seconds; production's default is 15
TROUBLE = "I'm having trouble on my side — I'm getting a person for you."


class Mailbox:
    """A real SMTP server on loopback; `stop()` makes the port refuse connections."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[str] = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.received.extend(envelope.rcpt_tos)
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture(scope="module")
def shop() -> Iterator[Shop]:
    running = Shop()
    yield running
    running.close()


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(free_port())
    box.start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def open_stack(artifacts: Path, shop: Shop, mailbox: Mailbox) -> Iterator[Stack]:
    env = {
        "HELPDESK_BOT_ANSWER_BOUND_SECONDS": str(BOUND),
        "HELPDESK_ANSWER_CHECK_SECONDS": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mailbox.port),
        "EMAIL_TIMEOUT": "3",
        "HELPDESK_OUTBOX_FLUSH_SECONDS": "1",
        "HELPDESK_OUTBOX_FIRST_RETRY_SECONDS": "1",
        "HELPDESK_ORDER_BACKEND": "http",
        "HELPDESK_ORDER_API_URL": shop.url,
        "HELPDESK_ORDER_API_TIMEOUT": "1",
        "HELPDESK_ORDER_API_FAILURES": "2",
        "HELPDESK_ORDER_API_PAUSE_SECONDS": "30",
        # The recovery sweep stays out of the way: these tests prove the bound, not redelivery.
        "HELPDESK_BOT_RECOVERY_AFTER_SECONDS": "600",
    }
    with running_stack(artifacts, name="helpdesk_fail_open", env=env) as built:
        yield built


async def _chat(stack: Stack, name: str, daphne: int = 0) -> Customer:
    server = stack.daphnes[daphne]
    customer = Customer.start(server, name)
    await customer.connect(server)
    await customer.until(is_message("bot"))  # the greeting
    return customer


def _stored_once(stack: Stack, customer: Customer) -> None:
    """Every customer message stored once, and each answered once at most."""
    rows = stack.sql(
        "SELECT client_msg_id, count(*) FROM helpdesk_message WHERE conversation_id = %s AND sender = 'customer' "
        "GROUP BY client_msg_id",
        customer.id,
    )
    assert all(n == 1 for _, n in rows), rows
    answers = stack.sql(
        "SELECT data->>'in_reply_to', count(*) FROM helpdesk_message WHERE conversation_id = %s AND sender = 'bot' "
        "AND data ? 'in_reply_to' GROUP BY 1",
        customer.id,
    )
    assert all(n == 1 for _, n in answers), answers


async def test_a_refusing_mail_server_delays_the_reset_email_not_the_answer(open_stack: Stack, mailbox) -> None:
    mailbox.stop()  # connections refused from here
    customer = await _chat(open_stack, "Mia")
    await customer.say("I forgot my password", "pw-1")
    await customer.until(is_message("bot"), timeout=BOUND)  # asks for the address
    asked = time.monotonic()
    await customer.say("mia@example.com", "pw-2")
    reply = await customer.until(is_message("bot"), timeout=BOUND)
    assert "mia@example.com" in reply["message"]["body"] and time.monotonic() - asked < BOUND
    # The email waits in the outbox, its failure kept for the admin.
    await asyncio.sleep(2)
    ((status, attempts, error),) = open_stack.sql(
        "SELECT status, attempts, last_error FROM helpdesk_outboundemail WHERE kind = 'password_reset'"
    )
    assert status == "pending" and attempts >= 1 and "refused" in error.lower(), (status, attempts, error)

    mailbox.start()  # back: the outbox's next try delivers it, once
    deadline = time.monotonic() + 30
    while "mia@example.com" not in mailbox.received and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    await asyncio.sleep(3)
    assert mailbox.received.count("mia@example.com") == 1
    assert open_stack.sql("SELECT status FROM helpdesk_outboundemail WHERE kind = 'password_reset'") == [("sent",)]
    _stored_once(open_stack, customer)
    await customer.close()


async def test_an_order_api_down_then_slow_gets_an_answer_within_the_bound(open_stack: Stack, shop: Shop) -> None:
    shop.mode = "down"
    try:
        customers = []
        for i, name in enumerate(("Noa", "Ola", "Pia")):
            customer = await _chat(open_stack, name, daphne=i % 2)
            sent = time.monotonic()
            await customer.say("where is my order B-7700?", f"order-{i}")
            reply = await customer.until(is_message("bot"), timeout=BOUND)
            assert "can't look orders up right now" in reply["message"]["body"]
            assert time.monotonic() - sent < BOUND
            customers.append(customer)
        assert shop.requests == 2  # then paused: the third customer did not wait on a dead API
    finally:
        shop.mode = "ok"
    for customer in customers:
        _stored_once(open_stack, customer)
        await customer.close()


async def test_a_slow_order_api_times_out_and_the_bot_says_so(open_stack: Stack, shop: Shop) -> None:
    open_stack.redis_flush_keys("*orders:api-*")  # a fresh count, whatever ran before
    shop.mode, shop.slow_seconds = "slow", 4.0
    try:
        customer = await _chat(open_stack, "Quin")
        sent = time.monotonic()
        await customer.say("where is my order B-7700?", "slow-1")
        reply = await customer.until(is_message("bot"), timeout=BOUND)
        assert "can't look orders up right now" in reply["message"]["body"]
        assert time.monotonic() - sent < 3.5  # the 1 s timeout, not the shop's 4 s
    finally:
        shop.mode = "ok"
    _stored_once(open_stack, customer)
    await customer.close()


async def test_a_flow_that_raises_hands_the_customer_over(open_stack: Stack) -> None:
    raise_file = Path(open_stack.env["HELPDESK_TEST_RAISE_FILE"])
    raise_file.touch()
    try:
        customer = await _chat(open_stack, "Rae")
        sent = time.monotonic()
        await customer.say("where is my order?", "raise-1")
        trouble = await customer.until(is_message("system", TROUBLE), timeout=BOUND)
        handoff = await customer.until(is_type("handoff"), timeout=BOUND)
    finally:
        raise_file.unlink()
    assert trouble and handoff["queue"] == "General" and time.monotonic() - sent < BOUND
    later = [f["message"]["sender"] for f in await customer.drain(3.0) if f.get("type") == "message"]
    assert "bot" not in later, later
    ((trigger,),) = open_stack.sql("SELECT handoff_trigger FROM helpdesk_conversation WHERE id = %s", customer.id)
    assert trigger == "bot_failure"
    _stored_once(open_stack, customer)
    await customer.close()


async def test_with_no_worker_customers_are_handed_over_and_a_late_worker_answers_none_twice(
    open_stack: Stack,
) -> None:
    for worker in list(open_stack.workers):
        open_stack.kill_worker(worker)
    customers = [await _chat(open_stack, name, daphne=i % 2) for i, name in enumerate(("Sol", "Tia", "Uma"))]
    sent = time.monotonic()
    for i, customer in enumerate(customers):
        await customer.say("hello, is anyone there?", f"nobody-{i}")
    for customer in customers:
        await customer.until(is_message("system", TROUBLE), timeout=BOUND + 5)
        handoff = await customer.until(is_type("handoff"), timeout=5)
        assert handoff["queue"] == "General"
    assert time.monotonic() - sent < BOUND + 4  # the bound, plus the check's one-second beat
    # While no worker takes tasks, the desk says the bot is degraded.
    status, health = http_json("GET", f"{open_stack.daphnes[0].url}/healthz")
    assert status == 200 and health["status"] == "degraded" and not health["bot"]["ok"], health

    worker = open_stack.start_worker()
    open_stack.wait_ready(worker)
    open_stack.start_worker()
    await asyncio.sleep(8)  # the queued turns run now: they read, and answer nobody twice
    for customer in customers:
        late = [f for f in await customer.drain(1.0) if f.get("type") == "message"]
        assert [f["message"]["sender"] for f in late] == [], late
        _stored_once(open_stack, customer)
        await customer.close()
    status, health = http_json("GET", f"{open_stack.daphnes[0].url}/healthz")
    assert health["status"] == "ok", health


async def test_a_worker_whose_model_will_not_load_hands_over_at_once(open_stack: Stack, tmp_path: Path) -> None:
    from bots.ml.encoder import default_onnx_path

    (tmp_path / default_onnx_path().name).write_bytes(b"not a model")
    for worker in list(open_stack.workers):
        open_stack.kill_worker(worker)
    broken = open_stack.start_worker(env={"HELPDESK_MODEL_DIR": str(tmp_path)})
    open_stack.wait_ready(broken)
    try:
        customer = await _chat(open_stack, "Vic")
        sent = time.monotonic()
        await customer.say("where is my order A-1001?", "model-1")
        await customer.until(is_message("system", TROUBLE), timeout=BOUND)
        await customer.until(is_type("handoff"), timeout=5)
        assert time.monotonic() - sent < BOUND  # the failed turn hands over, before the bound
        assert "the model did not load" in broken.log()
        _stored_once(open_stack, customer)
        await customer.close()
    finally:
        open_stack.kill_worker(broken)
        for _ in range(2):
            open_stack.wait_ready(open_stack.start_worker())
