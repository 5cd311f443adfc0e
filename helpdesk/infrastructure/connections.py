"""A kept database connection, checked by use instead of by a probe.

Daphnes and Celery workers keep their connections between calls (CONN_MAX_AGE,
CELERY_DB_REUSE_MAX). Django's health check (CONN_HEALTH_CHECKS) makes sure such a connection
still works by sending `SELECT 1` before the first statement of every call: one more round trip
on every customer message and every bot turn, on the path the customer waits on. Here the
call's own first statement is the check: a connection that died since its last use (a
PostgreSQL restart, a failover, an idle-connection reaper) fails it, and the call runs once
more on a fresh connection. The calls run here are safe to run again: each holds its own
transaction, so a call that failed on a dead connection committed nothing, unless the
connection died between a commit and its answer. That rare case is the one a client's resend
after an `unavailable` error already meets: a repeated `client_msg_id` is stored once, and the
bot's turn reads and answers a message once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import InterfaceError, OperationalError, connection

P = ParamSpec("P")
R = TypeVar("R")


def run_checked_by_use(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run `func` (which holds its own transactions; never inside one) on this thread's kept
    connection without the probe; once more on a fresh connection if that one was dead. The
    caller has run `close_old_connections()` first, as a request and a task start (it drops a
    connection past CONN_MAX_AGE or one that failed before)."""
    unprobed = _skip_probe()
    try:
        return func(*args, **kwargs)
    except (OperationalError, InterfaceError):
        if not unprobed or connection.in_atomic_block or connection.is_usable():
            raise  # the database refused the statement itself, or this is not the first try's fault
        connection.close()
        return func(*args, **kwargs)


def _skip_probe() -> bool:
    """Mark this thread's open connection as checked; False when there is none to keep (a new
    one needs no probe) or the database has no health checks (SQLite)."""
    if connection.connection is None or not connection.health_check_enabled or connection.health_check_done:
        return False
    connection.health_check_done = True
    return True
