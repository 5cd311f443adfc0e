"""The server process's own loop: the checks that must run even when nothing else does.

Every ASGI server process (each daphne, and `runserver` in embedded mode) runs one daemon
thread, started by the first request it serves (`LoopStarter`, config/asgi.py):

- every HELPDESK_ANSWER_CHECK_SECONDS: fail open (helpdesk/services/fail_open.py), customer
  messages the bot has not answered within the bound go to a person. Here, not on a Celery
  worker: it must run when no worker does. Several daphnes check at once; each chat is
  re-checked under its row lock, so it is handed over once.
- embedded mode only, which has no beat: the outbox is flushed on the same beat, and the
  inactivity and presence sweeps run once a minute.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections

from .tasks_runner import run_task

logger = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 60

_started = threading.Event()


def maybe_sweep() -> None:
    if not settings.EMBEDDED:
        return
    # cache.add is atomic: only the first caller in a minute gets to run it.
    if cache.add("helpdesk:embedded-sweep", 1, timeout=SWEEP_EVERY_SECONDS):
        from ..tasks import sweep_inactive, sweep_presence

        run_task(sweep_inactive)
        run_task(sweep_presence)


def start_loop() -> None:
    """Once per process; a no-op where the setting turns it off (the test suite's in-process
    application, whose database belongs to the test that runs)."""
    if not settings.HELPDESK_HOUSEKEEPING_LOOP or _started.is_set():
        return
    _started.set()
    threading.Thread(target=_loop, name="helpdesk-housekeeping", daemon=True).start()


def _loop() -> None:
    while True:
        time.sleep(settings.HELPDESK_ANSWER_CHECK_SECONDS)
        close_old_connections()
        try:
            _chores()
        except Exception:  # a chore that fails must not end the loop; the next beat tries again
            logger.exception("housekeeping failed")
        finally:
            close_old_connections()


def _chores() -> None:
    from ..services.fail_open import enforce_answer_bound

    enforce_answer_bound()
    if settings.EMBEDDED:
        from ..services.outbox import outbox_flush

        outbox_flush()
        maybe_sweep()


class LoopStarter:
    """ASGI middleware: starts the loop with the first connection this process serves (an
    import would start it in every `manage.py` command too)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if not _started.is_set():
            start_loop()
        await self.app(scope, receive, send)
