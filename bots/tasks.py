from __future__ import annotations

import logging
import os
import time

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from helpdesk.infrastructure.connections import run_checked_by_use
from helpdesk.services.fail_open import bot_heartbeat

from .services.predictions import messages_unread
from .services.training_jobs import TIME_LIMIT_SECONDS, training_job_run
from .services.turns import bot_handle_message, bot_turn_failed

logger = logging.getLogger(__name__)
# Redis or PostgreSQL went away mid-turn (a restart): the turn is safe to run again.
TRANSIENT = (RedisConnectionError, OperationalError)


@shared_task(
    name="bots.tasks.handle_message",  # routed to the "ml" queue by CELERY_TASK_ROUTES
    acks_late=True,  # a worker killed mid-task must not lose the message: it is redelivered
    reject_on_worker_lost=True,
    time_limit=30,
    soft_time_limit=25,
    # Transient: Redis or PostgreSQL went away mid-turn (a restart). The turn is safe to run
    # again (one prediction per message and version, one answer per message).
    autoretry_for=TRANSIENT,
    retry_backoff=1,
    retry_backoff_max=10,
    max_retries=5,
)
def handle_message(message_id: int) -> None:
    bot_heartbeat()
    _hold_for_tests(message_id)
    try:
        # No `SELECT 1` probe before the turn: its first statement checks the kept connection
        # (old ones were closed by config/celery.py's task_prerun).
        run_checked_by_use(bot_handle_message, message_id=message_id)
    except TRANSIENT:
        raise  # retried (above); past the retries, the answer bound hands over
    except Exception:
        # A bug, a bad article, a model that will not load: not worth a retry. The customer
        # gets an honest handoff now, and the message is not sent to the bot again.
        logger.exception("the bot's turn failed on message %s: handing over", message_id)
        bot_turn_failed(message_id=message_id)


@shared_task(name="bots.tasks.read_missed", time_limit=60, soft_time_limit=50)
def read_missed() -> int:
    """Beat: customer messages whose `handle_message` never reached a worker (the broker was
    down when it was sent, or restarted without persistence) are sent again. Safe to run twice:
    so is `handle_message`, and each message is re-sent at most once per window."""
    missed = messages_unread(older_than_seconds=settings.HELPDESK_BOT_RECOVERY_AFTER_SECONDS)
    for message_id in missed:
        handle_message.delay(message_id)
    return len(missed)


@shared_task(
    name="bots.tasks.train_intent_model",  # the "ml" queue too: its workers hold the encoder
    # A training lost with its worker is not delivered again: its job is failed as stale
    # (bots/services/training_jobs.py) and the supervisor starts another when they choose.
    acks_late=False,
    time_limit=TIME_LIMIT_SECONDS,
    soft_time_limit=TIME_LIMIT_SECONDS - 30,  # raised inside the training: recorded as the job's error
)
def train_intent_model(job_id: int) -> None:
    """Run a training job (safe to run twice: only a queued job is claimed)."""
    training_job_run(job_id=job_id)


def _hold_for_tests(message_id: int) -> None:
    """TEST ONLY (settings.HELPDESK_TEST_HOLD_FILE, never set in a deployment): while that file
    exists, wait here, holding the unacknowledged task, so that tests/faults can kill the
    worker "while it classifies". Leaves `<file>.<pid>` naming the message it holds."""
    hold = settings.HELPDESK_TEST_HOLD_FILE
    if not hold or not os.path.exists(hold):
        return
    marker = f"{hold}.{os.getpid()}"
    with open(marker, "w") as out:
        out.write(str(message_id))
    deadline = time.monotonic() + 20  # under the soft time limit
    while os.path.exists(hold) and time.monotonic() < deadline:
        time.sleep(0.05)
