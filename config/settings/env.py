"""Reading the deployment's environment: the only place settings look at os.environ."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw and raw.strip() else default


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw and raw.strip() else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def database_from_url(url: str, *, default_sqlite: Path) -> dict:
    """Turn `DATABASE_URL` into a Django DATABASES entry.

    Accepts `postgres://`, `postgresql://` and `sqlite:///path` (an absolute path after the
    third slash, or a relative one: `sqlite:///db.sqlite3`). An empty URL means the embedded
    SQLite file.
    """
    if not url:
        return _sqlite(default_sqlite)
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "sqlite":
        path = unquote(parsed.path)
        # sqlite:////abs/x.db and sqlite:///abs/x.db are absolute paths; a bare file name,
        # sqlite:///x.db, is relative to the working directory.
        if path.startswith("//"):
            path = path[1:]
        elif "/" not in path.lstrip("/"):
            path = path.lstrip("/")
        return _sqlite(Path(path) if path else default_sqlite)
    if scheme in {"postgres", "postgresql", "pgsql"}:
        options = {key: _option(values[-1]) for key, values in parse_qs(parsed.query).items()}
        # The desk runs the same few statements for every message: sent apart from their values
        # and prepared on each connection after five runs, PostgreSQL parses and plans each once
        # (docs/benchmarks.md, issue 19). Behind a pooler that cannot keep prepared statements
        # (PgBouncer in transaction mode before 1.21), add ?prepare_threshold=none.
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", 5)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
            "TEST": {"NAME": options.pop("test_name", None)},
        }
    raise ValueError(f"DATABASE_URL: unsupported scheme {scheme!r} (use postgres:// or sqlite:///)")


def _option(value: str):
    """A DATABASE_URL query value as the driver wants it: numbers, booleans and none typed."""
    lowered = value.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    if lowered == "none":
        return None
    return int(value) if value.isdigit() else value


def _sqlite(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of failing
        # with "database is locked" when both upgrade a read lock (the seq allocator reads
        # then writes inside one transaction).
        # WAL with synchronous=NORMAL: readers never wait for the writer, and a commit costs no
        # fsync (a power cut may lose the last commits, never corrupts the file).
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # A file, not Django's shared in-memory database: that one takes table locks that
        # ignore the busy timeout, so parallel writers fail instead of queueing as they do
        # on a real file.
        # HELPDESK_TEST_DB_TAG lets two test runs share a checkout without sharing a file.
        "TEST": {"NAME": str(path.with_name(f"{path.stem}-test{_test_tag()}{path.suffix or '.sqlite3'}"))},
    }


def _test_tag() -> str:
    tag = os.environ.get("HELPDESK_TEST_DB_TAG", "")
    return f"-{tag}" if tag else ""


def channel_prefix(redis_url: str) -> str:
    """ "asgi", or "asgi<n>" for Redis database n > 0."""
    database = urlparse(redis_url).path.lstrip("/")
    return f"asgi{database}" if database not in {"", "0"} else "asgi"
