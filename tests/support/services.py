"""PostgreSQL and Redis for the tests: present locally, maybe; present in CI, always."""

from __future__ import annotations

import os

import pytest

PG_ADMIN_URL = os.environ.get("HELPDESK_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_TEST_URL = os.environ.get("HELPDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _missing(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({error}); production-mode tests need it"
    if os.environ.get("CI"):
        pytest.fail(message + " — and in CI they never skip", pytrace=False)
    pytest.skip(message)


def require_postgres() -> str:
    import psycopg

    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except Exception as error:  # noqa: BLE001 - any failure means unavailable
        _missing("PostgreSQL", error)
    return PG_ADMIN_URL


def require_redis() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=3).ping()
    except Exception as error:  # noqa: BLE001
        _missing("Redis", error)
    return REDIS_TEST_URL


def require_program(name: str) -> str:
    """The path of an installed program a test starts itself (e.g. its own redis-server)."""
    import shutil

    path = shutil.which(name)
    if path is None:
        _missing(name, FileNotFoundError(f"{name} is not installed"))
    return path


def fresh_database(admin_url: str, name: str) -> str:
    """Drop and create database `name` (suffixed by HELPDESK_TEST_DB_TAG); returns its URL."""
    import psycopg

    if tag := os.environ.get("HELPDESK_TEST_DB_TAG"):
        name = f"{name}_{tag}"

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}"
