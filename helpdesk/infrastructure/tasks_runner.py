"""Where background work runs: Celery in production, a thread pool when embedded.

Embedded mode has no broker; the same task functions run on a small thread pool so that the
event loop never waits on them. Tests may set HELPDESK_TASK_MODE = "sync" to run them inline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections

from . import broker

logger = logging.getLogger(__name__)

_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="helpdesk-task")
    return _executor


def task_mode() -> str:
    mode = getattr(settings, "HELPDESK_TASK_MODE", None)
    if mode:
        return mode
    return "thread" if settings.HELPDESK_RUN_TASKS_INLINE else "celery"


def run_task(task: Any, *args: Any) -> Future | None:
    """Run a Celery task: sent to the broker (`.delay`, or its one-LPUSH equivalent: broker.py),
    or its body here when embedded."""
    mode = task_mode()
    if mode == "celery":
        broker.send(task, *args)
        return None
    if mode == "sync":
        task.run(*args)
        return None
    return _pool().submit(_in_thread, task.run, *args)


def _in_thread(func: Callable[..., Any], *args: Any) -> Any:
    close_old_connections()
    try:
        return func(*args)
    except Exception:
        logger.exception("in-process task %s%r failed", getattr(func, "__name__", func), args)
        raise
    finally:
        close_old_connections()
