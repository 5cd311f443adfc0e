"""A production stack that tests can break: its own Redis, two daphnes, two Celery workers, beat.

Every process runs in its own session (process group), so `kill -9` takes a Celery worker
together with its prefork children, and nothing else. Redis is a private `redis-server` on a
free port, killed and restarted on that same port; the system Redis is never touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis

from tests.support.servers import DEMO_PASSWORD, ROOT, Server, base_env, free_port, manage, wait_healthy
from tests.support.services import fresh_database, require_postgres, require_program


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def kill_group(process: subprocess.Popen) -> None:
    """kill -9 of the process and every child it started (prefork workers included)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


@dataclass
class RedisServer:
    port: int
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=1).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on {self.port} did not start")

    def kill(self) -> None:
        assert self.process is not None
        kill_group(self.process)

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Stack:
    env: dict[str, str]
    log_dir: Path
    redis: RedisServer
    database_url: str
    hold_file: Path
    daphnes: list[Server] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    beat: subprocess.Popen | None = None
    _count: int = 0

    # --- processes ------------------------------------------------------------------------

    def _spawn(self, args: list[str], log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
        with open(log_path, "w") as log:
            return subprocess.Popen(
                [sys.executable, *args],
                cwd=ROOT,
                env={**self.env, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_daphne(self, wait: bool = True) -> Server:
        self._count += 1
        port = free_port()
        log_path = self.log_dir / f"faults-daphne{self._count}-{port}.log"
        process = self._spawn(["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"], log_path)
        server = Server(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path, env=self.env)
        self.daphnes.append(server)
        if wait:
            wait_healthy(server.url, process, timeout=60)
        return server

    def kill_daphne(self, server: Server) -> None:
        kill_group(server.process)
        self.daphnes.remove(server)

    def start_worker(self, env: dict[str, str] | None = None) -> Worker:
        self._count += 1
        name = f"faults{self._count}"
        log_path = self.log_dir / f"faults-worker-{name}.log"
        args = ["-m", "celery", "-A", "config", "worker", "-Q", "default,ml", "-c", "1", "--pool", "prefork"]
        args += ["-n", f"{name}@%h", "--loglevel", "INFO", "--without-gossip", "--without-mingle"]
        args += ["--without-heartbeat"]
        worker = Worker(name=name, process=self._spawn(args, log_path, env), log_path=log_path)
        self.workers.append(worker)
        return worker

    def wait_ready(self, worker: Worker, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if worker.process.poll() is not None:
                raise RuntimeError(f"worker {worker.name} exited:\n{worker.log()}")
            if " ready." in worker.log():
                return
            time.sleep(0.2)
        raise RuntimeError(f"worker {worker.name} not ready:\n{worker.log()}")

    def kill_worker(self, worker: Worker) -> None:
        kill_group(worker.process)
        self.workers.remove(worker)

    def start_beat(self) -> None:
        schedule = self.log_dir / "faults-beat-schedule"
        args = ["-m", "celery", "-A", "config", "beat", "-s", str(schedule), "--loglevel", "INFO"]
        self.beat = self._spawn(args, self.log_dir / "faults-beat.log")

    def stop_all(self) -> None:
        for server in self.daphnes:
            _stop(server.process)
        # Workers and beat hold nothing worth a warm shutdown here.
        for worker in self.workers:
            _stop(worker.process, signal.SIGKILL)
        if self.beat is not None:
            _stop(self.beat, signal.SIGKILL)
        self.redis.stop()

    # --- looking inside -------------------------------------------------------------------

    def redis_flush_keys(self, pattern: str) -> int:
        """Delete the stack's Redis keys matching `pattern` (cache state a test must not inherit)."""
        client = redis.Redis(port=self.redis.port)
        keys = list(client.scan_iter(match=pattern))
        return client.delete(*keys) if keys else 0

    def sql(self, query: str, *params: Any) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            return connection.execute(query, params).fetchall()

    def worker_holding(self, timeout: float = 20) -> tuple[int, int]:
        """(pid, message id) of the worker process waiting at the test hold."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for marker in self.hold_file.parent.glob(self.hold_file.name + ".*"):
                text = marker.read_text().strip()
                if text:
                    marker.unlink()
                    return int(marker.suffix[1:]), int(text)
            time.sleep(0.05)
        raise AssertionError("no worker reached the hold")


@contextmanager
def running_stack(artifacts: Path, *, name: str, env: dict[str, str]) -> Iterator[Stack]:
    """A fresh database and Redis, migrated and seeded; two workers, two daphnes and beat."""
    admin_url = require_postgres()
    require_program("redis-server")  # the fault tests start (and kill) their own
    database_url = fresh_database(admin_url, name)
    workdir = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    redis_server = RedisServer(port=free_port(), log_path=artifacts / f"{name}-redis.log")
    redis_server.start()
    full_env = base_env(
        DATABASE_URL=database_url,
        REDIS_URL=redis_server.url,
        SECRET_KEY="faults-secret-key-not-for-production",
        DEBUG="0",
        HELPDESK_HTTPS="0",  # plain http on 127.0.0.1
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HELPDESK_CREATE_RATE_LIMIT="10000",
        HELPDESK_TEST_HOLD_FILE=str(workdir / "hold"),
        HELPDESK_TEST_RAISE_FILE=str(workdir / "raise"),
        **env,
    )
    built = Stack(
        env=full_env, log_dir=artifacts, redis=redis_server, database_url=database_url, hold_file=workdir / "hold"
    )
    try:
        manage(full_env, "migrate", "--noinput")
        # The processes start (loading the model takes a while) while the demo data is seeded.
        workers = [built.start_worker(), built.start_worker()]
        daphnes = [built.start_daphne(wait=False), built.start_daphne(wait=False)]
        manage(full_env, "seed_demo", "--password", DEMO_PASSWORD, timeout=300)
        built.start_beat()
        for server in daphnes:
            wait_healthy(server.url, server.process, timeout=60)
        for worker in workers:
            built.wait_ready(worker)
        yield built
    finally:
        built.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
