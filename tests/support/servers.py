"""Real processes for integration tests: daphne, Celery workers, manage.py commands."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo-pass-123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING"})
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str, timeout: int = 120) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become healthy in {timeout}s")


@contextmanager
def daphne(
    env: dict[str, str], log_dir: Path, name: str = "daphne", app: str = "config.asgi:application"
) -> Iterator[Server]:
    """A daphne serving `app` (the desk; bench/floor.py's bare echo names its own)."""
    port = free_port()
    log_path = log_dir / f"{name}-{port}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path, env=env)
    try:
        wait_healthy(server.url, process)
        yield server
    finally:
        _stop(process)


@contextmanager
def desk_copy(
    live: Server,
    log_dir: Path,
    name: str,
    *,
    prepare: Callable[[dict[str, str]], None] | None = None,
    **env: str,
) -> Iterator[Server]:
    """A daphne of its own on a copy of `live`'s SQLite database: the demo desk's model, rules
    and articles come for free, and what a test does there stays out of the desk other modules
    share. `env` adds settings (HELPDESK_EMBED_ORIGINS, ...); `prepare(env)` runs on the copy
    before the daphne starts (a `manage.py` command)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"helpdesk-{name}-"))
    source = sqlite3.connect(live.env["DATABASE_URL"].removeprefix("sqlite:///"))
    target = sqlite3.connect(workdir / "db.sqlite3")
    try:
        source.backup(target)  # consistent even while the live daphne writes
        # Nobody has a socket on the new daphne: agents online on the live desk are not here.
        target.execute("UPDATE helpdesk_agentprofile SET presence = 'offline', open_connections = 0")
        target.commit()
    finally:
        source.close()
        target.close()
    copied = {**live.env, "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3", **env}
    try:
        if prepare is not None:
            prepare(copied)
        with daphne(copied, log_dir, name=name) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def celery_worker(env: dict[str, str], log_dir: Path, queues: str = "default,ml") -> Iterator[subprocess.Popen]:
    log_path = log_dir / "celery.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                queues,
                "-c",
                "2",
                "--pool",
                "prefork",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("celery worker exited:\n" + log_path.read_text())
            if "ready." in log_path.read_text(errors="replace"):
                break
            time.sleep(0.3)
        else:
            raise RuntimeError("celery worker not ready:\n" + log_path.read_text())
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def http_json(method: str, url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"content-type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
