"""A kept connection checked by use (helpdesk/infrastructure/connections.py): no `SELECT 1`
before a call, a dead connection replaced and the call run once more, and any other database
error left as it was. The whole processes' side: tests/faults/test_database_drop.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, close_old_connections, connection, connections

from helpdesk.infrastructure.connections import run_checked_by_use

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _run(call: Callable[[], Any]) -> Any:
    """As a socket call and a task start: old connections closed, then the call."""
    close_old_connections()
    return run_checked_by_use(call)


def _terminate(pid: int) -> None:
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts Django's health probes (`is_usable`, a `SELECT 1`) on this thread's connection."""
    seen: list[int] = []
    wrapper = type(connections[DEFAULT_DB_ALIAS])
    probe = wrapper.is_usable

    def counted(self) -> bool:
        seen.append(1)
        return probe(self)

    monkeypatch.setattr(wrapper, "is_usable", counted)
    return seen


def test_a_live_kept_connection_runs_the_call_once_and_unprobed(probes: list[int]) -> None:
    kept = _backend_pid()
    calls: list[int] = []

    def call() -> int:
        calls.append(1)
        return _backend_pid()

    assert connection.health_check_enabled
    assert _run(call) == kept
    assert (len(calls), len(probes)) == (1, 0)


def test_a_dead_kept_connection_is_replaced_and_the_call_runs_once_more(probes: list[int]) -> None:
    dead = _backend_pid()
    _terminate(dead)
    calls: list[int] = []

    def call() -> int:
        calls.append(1)
        return _backend_pid()

    fresh = _run(call)
    assert fresh != dead
    assert len(calls) == 2
    assert _run(call) == fresh  # kept again


def test_an_error_of_the_statement_itself_is_not_run_again() -> None:
    _backend_pid()
    calls: list[int] = []

    def call() -> None:
        calls.append(1)
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 20")
            try:
                cursor.execute("SELECT pg_sleep(1)")
            finally:
                cursor.execute("SET statement_timeout = 0")

    with pytest.raises(OperationalError):
        _run(call)
    assert len(calls) == 1
