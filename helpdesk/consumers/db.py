"""How the sockets call the (synchronous) services.

Channels' `database_sync_to_async` is thread-sensitive: every call of a process runs on one
shared thread, so one slow write stalls every socket of that daphne. The services hold their
own transactions and row locks and are safe to run in parallel, so sockets run them on a small
pool instead, each thread with its own database connection (closed when stale, as Channels
does, and checked by the call's own first statement rather than a probe:
`helpdesk/infrastructure/connections.py`). A database that does not answer becomes an
`unavailable` error frame: the socket stays open and the client sends the frame again
(docs/faults.md).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.db import InterfaceError, OperationalError, close_old_connections

from ..errors import Unavailable
from ..infrastructure.connections import run_checked_by_use

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def db(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    @functools.wraps(func)
    def with_fresh_connection(*args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        try:
            return run_checked_by_use(func, *args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            logger.warning("database unavailable in %s: %s", func.__name__, exc, exc_info=True)
            raise Unavailable() from exc
        finally:
            close_old_connections()

    return sync_to_async(with_fresh_connection, thread_sensitive=False)
