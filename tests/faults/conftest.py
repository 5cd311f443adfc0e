"""One breakable production stack for the whole package (tests/faults/stack.py).

Two daphnes and two Celery workers on a private Redis and a fresh PostgreSQL database, plus
Celery beat. Intervals are shortened through the environment so that faults heal within
seconds; each test leaves the stack whole again (a killed process is replaced).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .stack import Stack, running_stack

# The settings a test shortens, and why (docs/faults.md gives the production values).
FAST = {
    # A dead worker's task is handed out again after 5 s, looked for every second.
    "HELPDESK_BROKER_VISIBILITY_TIMEOUT": "5",
    "HELPDESK_BROKER_RESTORE_INTERVAL": "1",
    # Lost bot tasks: beat looks every 2 s for messages unread after 12 s (longer than the
    # visibility path above, so the worker-kill test proves redelivery, not this sweep).
    "HELPDESK_BOT_RECOVERY_SECONDS": "2",
    "HELPDESK_BOT_RECOVERY_AFTER_SECONDS": "12",
    # Presence: beats every second, stale after 4 s, swept every second.
    "HELPDESK_PRESENCE_HEARTBEAT_SECONDS": "1",
    "HELPDESK_PRESENCE_TTL_SECONDS": "4",
    "HELPDESK_LAYER_CHECK_SECONDS": "0.5",
    # A client that stops reading is dropped past 1 MiB of backlog.
    "HELPDESK_WS_SEND_BUFFER_LIMIT": str(1024 * 1024),
    # These tests hold the bot's turn on purpose (a worker killed mid-task, Redis restarted):
    # the fail-open bound must not hand those chats over first. test_fail_open.py runs its own
    # stack with a short bound.
    "HELPDESK_BOT_ANSWER_BOUND_SECONDS": "120",
}


@pytest.fixture(scope="package")
def stack(artifacts: Path) -> Iterator[Stack]:
    with running_stack(artifacts, name="helpdesk_faults", env=FAST) as built:
        yield built
