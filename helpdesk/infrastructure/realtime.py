"""The realtime push: the one module that owns the channel layer and decides recipients.

Services call the `after_commit_*` helpers inside their transaction; nothing is sent unless
and until the transaction commits, so a client never sees a message that was not stored.
Internal notes go only to staff groups: `customer_message` refuses them outright.

Groups:
  conv.<id>        customer sockets of one conversation
  staff.<id>       agent sockets holding or watching one conversation
  agent.<user id>  every socket of one agent
  queue.<id>       agents holding that queue as a skill
  supervisors      every supervisor socket
  desk             supervisors' live-desk sockets (/ws/agent/?view=desk): "desk.changed" only
  tickets.<queue id>, tickets.agent.<user id>, tickets.supervisors
                   tickets pages' sockets (/ws/agent/?view=tickets): "ticket.changed" only
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import uuid
from collections.abc import Callable, Coroutine, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger(__name__)

SUPERVISORS = "supervisors"
DESK = "desk"


def _hex(conversation_id: uuid.UUID | str) -> str:
    return uuid.UUID(str(conversation_id)).hex


def customer_group(conversation_id: uuid.UUID | str) -> str:
    return f"conv.{_hex(conversation_id)}"


def staff_group(conversation_id: uuid.UUID | str) -> str:
    return f"staff.{_hex(conversation_id)}"


def agent_group(user_id: int) -> str:
    return f"agent.{user_id}"


def queue_group(queue_id: int) -> str:
    return f"queue.{queue_id}"


def after_commit(func: Callable[..., None], *args: Any) -> None:
    transaction.on_commit(lambda: _safely(func, *args))


_deferred = threading.local()


def after_commit_for_staff(func: Callable[..., None], *args: Any) -> None:
    """A push only staff screens wait for: after commit, or, inside `customer_first()`, once
    the block has ended, so it never delays what a customer is waiting for."""

    def run() -> None:
        pending = getattr(_deferred, "pending", None)
        if pending is not None:
            pending.append((func, args))
        else:
            _safely(func, *args)

    transaction.on_commit(run)


@contextmanager
def customer_first() -> Iterator[None]:
    """The bot's turn: the reading's pushes to the inbox (prediction chips, list updates) wait
    until the customer's answer is out (~10 ms of a ~40 ms turn)."""
    outer = getattr(_deferred, "pending", None)
    _deferred.pending = [] if outer is None else outer
    try:
        yield
    finally:
        if outer is None:
            pending, _deferred.pending = _deferred.pending, None
            for func, args in pending:
                _safely(func, *args)


def _safely(func: Callable[..., None], *args: Any) -> None:
    try:
        func(*args)
    except Exception:  # a lost push is recovered by replay; it must never fail a committed write
        logger.exception("realtime push %s failed", func.__name__)


def _send(group: str, event: dict[str, Any]) -> None:
    _send_all([(group, event)])


def _send_all(sends: list[tuple[str, dict[str, Any]]]) -> None:
    """Group sends in this order, in one hop to the event loop (each hop from a worker thread
    costs milliseconds on a busy server: a customer's message reaches its socket and the
    staff's, then the bot's task is sent); inside `sends_collected()`, no hop at all."""
    collected = getattr(_collecting, "sends", None)
    if collected is not None:
        collected.extend(sends)
        return
    layer = get_channel_layer()
    if layer is None:
        return

    sent = 0

    async def send_all() -> None:
        nonlocal sent
        for group, event in sends[sent:]:  # a retry (_SenderLoop.run) resumes, never repeats
            await layer.group_send(group, event)
            sent += 1

    if _in_asgi_thread():
        # A service called from a consumer or a view (sync_to_async): the send runs on the
        # server's own loop, which this process now knows.
        _SenderLoop.home = (os.getpid(), SyncToAsync.threadlocal.main_event_loop)
        async_to_sync(send_all)()
    else:
        # A Celery worker, a command, or the embedded mode's task threads: no loop here.
        # async_to_sync would make a new loop per send; the Redis layer then opens new
        # connections per loop (~25 ms and a leaked Redis client per push), and the in-memory
        # layer would be touched from a foreign loop. So: the server's loop when this process
        # is a server, else one long-lived loop of the process's own.
        _SenderLoop.run(send_all)


_collecting = threading.local()


@contextmanager
def sends_collected(into: list[tuple[str, dict[str, Any]]]) -> Iterator[None]:
    """A socket's database call (helpdesk/consumers/db.py): its pushes, still only after
    commit, are kept in order in `into` instead of sent, and the socket's coroutine sends them
    on the server's loop when the call returns (`send_collected`). Sending from the call's
    thread meant a hop to the loop and back for each push, the thread held until Redis had the
    publish (docs/benchmarks.md, "Pushes sent from the socket's coroutine")."""
    outer = getattr(_collecting, "sends", None)
    _collecting.sends = into
    try:
        yield
    finally:
        _collecting.sends = outer


async def send_collected(sends: list[tuple[str, dict[str, Any]]]) -> None:
    """On the server's loop, in order. A push that fails is logged, as `_safely` does: the
    write is committed, and the replay brings the client what it missed."""
    layer = get_channel_layer()
    if layer is None or not sends:
        return
    _SenderLoop.home = (os.getpid(), asyncio.get_running_loop())
    for group, event in sends:
        try:
            await layer.group_send(group, event)
        except Exception:
            logger.exception("realtime push to %s failed", group)


def _in_asgi_thread() -> bool:
    return getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) == os.getpid()


class _SenderLoop:
    """Where sync code's pushes run: the server's loop, or a private one on a daemon thread."""

    home: tuple[int, asyncio.AbstractEventLoop] | None = None
    private: tuple[int, asyncio.AbstractEventLoop] | None = None
    _lock = threading.Lock()

    @classmethod
    def loop(cls) -> asyncio.AbstractEventLoop:
        pid = os.getpid()  # after a fork (Celery's prefork children) the parent's loops are gone
        if cls.home and cls.home[0] == pid and cls.home[1].is_running():
            return cls.home[1]
        with cls._lock:
            if cls.private is None or cls.private[0] != pid:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="realtime-sender", daemon=True).start()
                cls.private = (pid, loop)
            return cls.private[1]

    @classmethod
    def run(cls, make: Callable[[], Coroutine[Any, Any, Any]], timeout: float = 10.0) -> Any:
        try:
            return asyncio.run_coroutine_threadsafe(make(), cls.loop()).result(timeout)
        except (ConnectionError, OSError, RedisConnectionError):
            # The loop's connection outlived a Redis restart: the first command after it fails,
            # and the client connects afresh for the next. One more try, then it is an error.
            return asyncio.run_coroutine_threadsafe(make(), cls.loop()).result(timeout)


# --- To customers ------------------------------------------------------------------------


def customer_message(conversation_id: uuid.UUID | str, message: dict[str, Any]) -> None:
    _send_all([_to_customer(conversation_id, message)])


def _to_customer(conversation_id: uuid.UUID | str, message: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if message.get("internal"):
        raise ValueError("an internal note can never be sent to a customer group")
    return customer_group(conversation_id), {"type": "customer.message", "message": message}


def customer_frame(conversation_id: uuid.UUID | str, frame: dict[str, Any]) -> None:
    _send(customer_group(conversation_id), {"type": "customer.frame", "frame": frame})


# --- To agents ---------------------------------------------------------------------------


def _to_staff(conversation_id: uuid.UUID | str, message: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return staff_group(conversation_id), {
        "type": "agent.message",
        "conversation_id": str(conversation_id),
        "message": message,
    }


def agents_frame(groups: Iterable[str], frame: dict[str, Any]) -> None:
    _send_all([(group, {"type": "agent.frame", "frame": frame}) for group in dict.fromkeys(groups)])


def alert_supervisors(text: str, data: dict[str, Any] | None = None) -> None:
    """The one "alert" frame: something a supervisor should look at now (`data` names what:
    conversation_id, article_id, ticket_id)."""
    agents_frame([SUPERVISORS], {"type": "alert", "text": text, **(data or {})})
    desk_changed()  # what it names (a frustrated customer, a stale article, a wait) is on the board


def agent_assigned(user_id: int, conversation_id: uuid.UUID | str) -> None:
    """Tells every socket of the agent to join the conversation and send its packet."""
    _send(agent_group(user_id), {"type": "agent.assigned", "conversation_id": str(conversation_id)})


def agent_unassigned(user_id: int, conversation_id: uuid.UUID | str, status: str) -> None:
    _send(
        agent_group(user_id),
        {"type": "agent.unassigned", "conversation_id": str(conversation_id), "status": status},
    )


def typing_to_customer(conversation_id: uuid.UUID | str, sender: str) -> None:
    # A typing hint is worth nothing later: one that cannot be sent must never fail the turn.
    _safely(customer_frame, conversation_id, {"type": "typing", "sender": sender})


def typing_to_staff(conversation_id: uuid.UUID | str, sender: str) -> None:
    agents_frame(
        [staff_group(conversation_id)], {"type": "typing", "conversation_id": str(conversation_id), "sender": sender}
    )


def message_to_all(conversation_id: uuid.UUID | str, message: dict[str, Any]) -> None:
    """A stored message: to the customer unless it is a note, and to the staff watching."""
    staff = _to_staff(conversation_id, message)
    _send_all([staff] if message.get("internal") else [_to_customer(conversation_id, message), staff])


def queue_audience(queue_id: int | None) -> list[str]:
    groups = [SUPERVISORS]
    if queue_id is not None:
        groups.insert(0, queue_group(queue_id))
    return groups


# --- The live desk -----------------------------------------------------------------------

DESK_CHANGED = {"type": "desk.changed"}


def desk_changed() -> None:
    """Inside a transaction: supervisors' live desk (analytics/live.py) reads its board again
    once this commits. Called on status changes that touch a queue or an agent, presence, a
    chat moved between queues; never on a customer's ordinary message (a frame to every
    supervisor per message would cost more than the board is worth).

    One frame per transaction however many changes it makes (a handoff changes the status and
    announces the queue): the frame carries no figures, only "read it again", so one covers
    them all. Bursts across transactions are the page's to fold (static/js/live.js)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(entry[1] is _push_desk for entry in connection.run_on_commit):
        return
    transaction.on_commit(_push_desk)


def _push_desk() -> None:
    _safely(agents_frame, [DESK], DESK_CHANGED)


# --- The tickets page ----------------------------------------------------------------------

TICKETS_SUPERVISORS = "tickets.supervisors"


def tickets_queue_group(queue_id: int) -> str:
    return f"tickets.{queue_id}"


def tickets_agent_group(user_id: int) -> str:
    return f"tickets.agent.{user_id}"


def ticket_changed(ticket_id: int, queue_id: int | None, user_ids: Iterable[int | None]) -> None:
    """A ticket opened or changed: the tickets pages that may see it read it again. The frame
    names the ticket and nothing else, so no one learns more than their own read then shows
    them; its audience is the ticket's scope (selectors/tickets.py): the queue's agents,
    supervisors, and `user_ids` (its assignee and opener, when the caller found that neither
    the queue nor supervisors cover them). Tickets pages have sockets of their own, not the
    inbox's: a ticket is no inbox's business."""
    groups = [TICKETS_SUPERVISORS]
    if queue_id is not None:
        groups.append(tickets_queue_group(queue_id))
    groups += [tickets_agent_group(user_id) for user_id in user_ids if user_id is not None]
    agents_frame(groups, {"type": "ticket.changed", "ticket_id": str(ticket_id)})
