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

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.db import InterfaceError, OperationalError, close_old_connections

from ..errors import Unavailable
from ..infrastructure import realtime
from ..infrastructure.connections import run_checked_by_use

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def db(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    def with_fresh_connection(sends: list[tuple[str, dict[str, Any]]], *args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        try:
            with realtime.sends_collected(into=sends):
                return run_checked_by_use(func, *args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            logger.warning("database unavailable in %s: %s", func.__name__, exc, exc_info=True)
            raise Unavailable() from exc
        finally:
            close_old_connections()

    in_pool = sync_to_async(with_fresh_connection, thread_sensitive=False)

    @functools.wraps(func)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        # The call's pushes (committed writes only) go out from here, in order, before the
        # caller's next frame, whether the call returned or raised after its commit.
        sends: list[tuple[str, dict[str, Any]]] = []
        running = asyncio.ensure_future(in_pool(sends, *args, **kwargs))
        try:
            await asyncio.wait({running})  # unlike awaiting it, leaves it running if we are cancelled
        except asyncio.CancelledError:
            # The socket closed mid-call: the call finishes in its thread all the same, and
            # what it committed is pushed when it does.
            running.add_done_callback(functools.partial(_push_when_done, sends))
            raise
        await realtime.send_collected(sends)
        return running.result()  # the call's own exception, if it raised

    return call


_pushing: set[asyncio.Task] = set()  # held until done: the loop keeps only weak references


def _push_when_done(sends: list[tuple[str, dict[str, Any]]], running: asyncio.Future) -> None:
    if not running.cancelled():
        running.exception()  # retrieved: the caller that would have seen it has gone
    task = asyncio.ensure_future(realtime.send_collected(sends))
    _pushing.add(task)
    task.add_done_callback(_pushing.discard)
