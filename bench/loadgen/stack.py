"""The production stack the load runs against, and what is read back from it."""

from __future__ import annotations

import subprocess
from contextlib import ExitStack
from pathlib import Path

from bench.common import production_env
from tests.support.servers import DEMO_PASSWORD, celery_worker, daphne, manage
from tests.support.services import PG_ADMIN_URL, fresh_database

BENCH_AGENTS = 10
AGENT_CAPACITY = 1000


class Stack:
    """PostgreSQL database, Redis, daphnes (two for bench/load.py), one Celery worker unless
    `worker` is false (bench/floor.py), bench agents. `database` names the PostgreSQL database,
    dropped and made again, so two benches on one machine keep apart; `env` adds settings."""

    def __init__(
        self,
        exit_stack: ExitStack,
        workdir: Path,
        daphnes: int,
        redis_url: str,
        *,
        worker: bool = True,
        database: str = "helpdesk_load",
        env: dict[str, str] | None = None,
    ) -> None:
        import redis

        self.database_url = fresh_database(PG_ADMIN_URL, database)
        # A database of its own, emptied: tasks queued by an earlier run that was cut short
        # would otherwise reach this run's worker first.
        redis.Redis.from_url(redis_url).flushdb()
        self.env = {**production_env(self.database_url, redis_url), **(env or {})}
        manage(self.env, "migrate", "--noinput")
        manage(self.env, "seed_demo", "--password", DEMO_PASSWORD)
        manage(
            self.env,
            "shell",
            "-c",
            AGENTS_SNIPPET.format(count=BENCH_AGENTS, capacity=AGENT_CAPACITY, password=DEMO_PASSWORD),
        )
        self.worker = exit_stack.enter_context(celery_worker(self.env, workdir)) if worker else None
        self.servers = [exit_stack.enter_context(daphne(self.env, workdir, f"load-{i}")) for i in range(daphnes)]

    def pids(self) -> dict[str, list[int]]:
        celery = family(self.worker.pid) if self.worker else []
        return {"celery": celery, "daphne": [s.process.pid for s in self.servers]}

    def memory(self) -> dict[str, float]:
        return {name: round(sum(rss_mb(p) for p in pids), 1) for name, pids in self.pids().items()}


# Bench agents in every queue, each able to hold many chats: the load is on the stack, not on
# the staffing.
AGENTS_SNIPPET = """
from django.contrib.auth import get_user_model
from helpdesk.models import AgentProfile, Queue
for i in range({count}):
    user, _ = get_user_model().objects.get_or_create(username=f"load_agent_{{i}}")
    user.set_password("{password}")
    user.save()
    profile, _ = AgentProfile.objects.update_or_create(
        user=user, defaults={{"display_name": f"Load {{i}}", "max_concurrent_chats": {capacity}}}
    )
    profile.queues.set(Queue.objects.all())
"""


def stored_once(database_url: str) -> tuple[int, int]:
    """(customer messages stored, client_msg_ids stored more than once) in PostgreSQL."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        total = connection.execute("SELECT count(*) FROM helpdesk_message WHERE sender = 'customer'").fetchone()[0]
        twice = connection.execute(
            "SELECT count(*) FROM (SELECT conversation_id, client_msg_id FROM helpdesk_message "
            "WHERE client_msg_id IS NOT NULL AND client_msg_id <> '' "
            "GROUP BY 1, 2 HAVING count(*) > 1) AS d"
        ).fetchone()[0]
    return total, twice


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def family(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid, *(int(c) for c in children)]


def redis_clients(url: str) -> int:
    import redis

    return int(redis.Redis.from_url(url).info("clients")["connected_clients"])
