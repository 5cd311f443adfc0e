"""Fail open, in process: whatever breaks behind the bot, the customer gets an answer or an
honest handoff. (tests/faults proves the same across real processes.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from bots.services.predictions import messages_unread
from helpdesk.models import Conversation, Message, OutboundEmail, OutboxStatus
from helpdesk.services.conversations import conversation_start
from helpdesk.services.fail_open import TROUBLE, enforce_answer_bound
from helpdesk.services.messages import customer_message_post
from helpdesk.services.outbox import outbox_flush
from tests.support.servers import free_port
from tests.support.shop import Shop

pytestmark = pytest.mark.django_db(transaction=True)


def say(conversation: Conversation, body: str) -> Message:
    message, _ = customer_message_post(conversation_id=conversation.pk, body=body)
    return message


def bodies(conversation: Conversation) -> list[tuple[str, str]]:
    return list(Message.objects.filter(conversation=conversation).order_by("id").values_list("sender", "body"))


def handed_over(conversation: Conversation) -> bool:
    conversation.refresh_from_db()
    return conversation.status == "queued" and conversation.handoff_trigger == "bot_failure"


def test_a_turn_that_raises_hands_over_once_and_is_not_read_again(queues, settings, tmp_path) -> None:
    settings.HELPDESK_TEST_RAISE_FILE = str(tmp_path / "raise")
    (tmp_path / "raise").touch()
    conversation, _ = conversation_start(name="Ana")
    message = say(conversation, "where is my order?")
    assert handed_over(conversation)
    said = bodies(conversation)
    assert ("system", TROUBLE) in said and sum(body == TROUBLE for _, body in said) == 1
    # Nobody is online: the callback is offered at once, no wait is promised.
    queued = Message.objects.filter(conversation=conversation, sender="system").last()
    assert "Nobody from the team is online" in queued.body and "in line" not in queued.body
    assert [o["value"] for o in queued.options] == ["Request a callback"]
    message.refresh_from_db()
    assert message.data["bot_failed"] is True
    # The recovery sweep sends unread messages again, but never this one.
    settings.HELPDESK_TASK_MODE = "celery"  # no worker: this one stays unread
    other, _ = conversation_start(name="Bo")
    unread = say(other, "hello?")
    Message.objects.filter(pk__in=[message.pk, unread.pk]).update(created_at=timezone.now() - timedelta(minutes=5))
    assert messages_unread(older_than_seconds=1) == [unread.pk]


def test_messages_past_the_bound_are_handed_over_once_and_never_an_answered_one(queues, settings) -> None:
    settings.HELPDESK_TASK_MODE = "celery"  # no worker consumes the in-memory broker: nobody answers
    waiting, _ = conversation_start(name="Ben")
    say(waiting, "hello, anyone?")
    settings.HELPDESK_TASK_MODE = "sync"
    answered, _ = conversation_start(name="Cy")
    say(answered, "where is my order A-1001")
    assert Message.objects.filter(conversation=answered, sender="bot").count() == 2  # greeting, answer
    late = timezone.now() - timedelta(seconds=settings.HELPDESK_BOT_ANSWER_BOUND_SECONDS + 5)
    Conversation.objects.filter(pk__in=[waiting.pk, answered.pk]).update(last_customer_message_at=late)

    assert enforce_answer_bound() == 1
    assert enforce_answer_bound() == 0  # safe to run twice
    assert handed_over(waiting)
    answered.refresh_from_db()
    assert answered.status == "bot"
    # The bot's late turn on the handed-over message does not answer it a second time.
    settings.HELPDESK_TASK_MODE = "sync"
    from bots.tasks import handle_message

    handle_message.run(Message.objects.filter(conversation=waiting, sender="customer").get().pk)
    assert not Message.objects.filter(conversation=waiting, sender="bot").exclude(body__startswith="Hi").exists()


def test_health_says_degraded_while_customers_wait_and_no_worker_takes_tasks(queues, settings) -> None:
    settings.HELPDESK_TASK_MODE = "celery"
    waiting, _ = conversation_start(name="Dee")
    say(waiting, "hello?")
    late = timezone.now() - timedelta(seconds=settings.HELPDESK_BOT_ANSWER_BOUND_SECONDS + 5)
    Conversation.objects.filter(pk=waiting.pk).update(last_customer_message_at=late)
    Message.objects.filter(conversation=waiting, sender="customer").update(created_at=late)
    body = Client().get("/healthz").json()
    assert body["status"] == "degraded" and body["bot"]["unread_past_bound"] == 1
    enforce_answer_bound()  # handed over: still unread, still degraded until a worker reads it
    assert Client().get("/healthz").json()["status"] == "degraded"
    from bots.tasks import handle_message

    handle_message.run(Message.objects.get(conversation=waiting, sender="customer").pk)
    assert Client().get("/healthz").json()["status"] == "ok"


def test_a_mail_server_that_refuses_delays_the_email_not_the_answer(queues, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    conversation, _ = conversation_start(name="Eve")
    say(conversation, "I forgot my password")
    say(conversation, "eve@example.com")
    assert "eve@example.com" in Message.objects.filter(conversation=conversation, sender="bot").last().body
    email = OutboundEmail.objects.get(kind="password_reset")
    assert (email.status, email.attempts, email.to) == (OutboxStatus.PENDING, 1, "eve@example.com")
    assert "ConnectionRefusedError" in email.last_error
    assert outbox_flush() == 0  # not due yet: it backs off

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    assert outbox_flush(now=timezone.now() + timedelta(minutes=1)) == 1
    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT and [m.to for m in mail.outbox] == [["eve@example.com"]]
    assert outbox_flush(now=timezone.now() + timedelta(hours=2)) == 0  # sent once


def test_an_order_api_that_fails_is_not_asked_for_a_while(queues, settings) -> None:
    shop = Shop()
    shop.mode = "down"
    settings.HELPDESK_ORDER_BACKEND, settings.HELPDESK_ORDER_API_URL = "http", shop.url
    settings.HELPDESK_ORDER_API_FAILURES = 2
    try:
        for name in ("Fay", "Gus", "Hal"):
            conversation, _ = conversation_start(name=name)
            say(conversation, "where is my order B-7700?")
            reply = Message.objects.filter(conversation=conversation, sender="bot").last()
            assert "can't look orders up right now" in reply.body
            assert [o["value"] for o in reply.options] == ["agent"]
        assert shop.requests == 2  # the third customer did not wait for a dead API
    finally:
        shop.close()


def test_a_slow_order_api_times_out_and_the_bot_says_so(queues, settings) -> None:
    shop = Shop()
    shop.mode, shop.slow_seconds = "slow", 3.0
    settings.HELPDESK_ORDER_BACKEND, settings.HELPDESK_ORDER_API_URL = "http", shop.url
    settings.HELPDESK_ORDER_API_TIMEOUT = 0.5
    try:
        conversation, _ = conversation_start(name="Ida")
        started = timezone.now()
        say(conversation, "where is my order B-7700?")
        assert (timezone.now() - started).total_seconds() < 2.5
        assert "can't look orders up right now" in Message.objects.filter(sender="bot").last().body
    finally:
        shop.close()
