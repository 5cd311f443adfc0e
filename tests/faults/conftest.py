"""One breakable production stack for the whole package (tests/faults/stack.py).

Two daphnes and two Celery workers on a private Redis and a fresh PostgreSQL database, plus
Celery beat. Intervals are shortened through the environment so that faults heal within
seconds; each test leaves the stack whole again (a killed process is replaced).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import DEMO_PASSWORD, base_env, free_port, manage, wait_healthy
from tests.support.services import fresh_database, require_postgres, require_program

from .stack import RedisServer, Stack

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
}


@pytest.fixture(scope="package")
def stack(artifacts: Path) -> Iterator[Stack]:
    admin_url = require_postgres()
    require_program("redis-server")  # the fault tests start (and kill) their own
    database_url = fresh_database(admin_url, "helpdesk_faults")
    workdir = Path(tempfile.mkdtemp(prefix="helpdesk-faults-"))
    redis_server = RedisServer(port=free_port(), log_path=artifacts / "faults-redis.log")
    redis_server.start()
    env = base_env(
        DATABASE_URL=database_url,
        REDIS_URL=redis_server.url,
        SECRET_KEY="faults-secret-key-not-for-production",
        DEBUG="0",
        HELPDESK_HTTPS="0",  # plain http on 127.0.0.1
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HELPDESK_CREATE_RATE_LIMIT="10000",
        HELPDESK_TEST_HOLD_FILE=str(workdir / "hold"),
        **FAST,
    )
    built = Stack(env=env, log_dir=artifacts, redis=redis_server, database_url=database_url, hold_file=workdir / "hold")
    try:
        manage(env, "migrate", "--noinput")
        # The processes start (loading the model takes a while) while the demo data is seeded.
        workers = [built.start_worker(), built.start_worker()]
        daphnes = [built.start_daphne(wait=False), built.start_daphne(wait=False)]
        manage(env, "seed_demo", "--password", DEMO_PASSWORD, timeout=300)
        built.start_beat()
        for server in daphnes:
            wait_healthy(server.url, server.process, timeout=60)
        for worker in workers:
            built.wait_ready(worker)
        yield built
    finally:
        built.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
