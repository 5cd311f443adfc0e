"""Small helpers the benchmark scripts share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of a list of timings."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def production_env(database_url: str, redis_url: str) -> dict[str, str]:
    """The environment of a production-mode stack on loopback, with demo data to seed."""
    from tests.support.servers import base_env

    return base_env(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY="bench-secret-key-not-for-production-0123456789",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HELPDESK_HTTPS="0",  # plain http on 127.0.0.1 (docs/security.md)
        HELPDESK_CREATE_RATE_LIMIT="1000000",  # every customer comes from 127.0.0.1
    )


@contextmanager
def demo_desk_in_process(name: str) -> Iterator[str]:
    """This process as a production desk on a fresh PostgreSQL database `name` (suffixed by
    HELPDESK_TEST_DB_TAG), migrated and seeded with the demo desk, with nothing queued (the
    benchmark runs the bot's turns itself). Yields the database's URL; emptied again at the end."""
    import os

    from tests.support.services import PG_ADMIN_URL, REDIS_TEST_URL, fresh_database

    database_url = fresh_database(PG_ADMIN_URL, name)
    os.environ.update(production_env(database_url, REDIS_TEST_URL))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    settings.HELPDESK_TASK_MODE = "none"
    call_command("migrate", verbosity=0)
    call_command("seed_demo", password="x12345678", verbosity=0)
    try:
        yield database_url
    finally:
        connections.close_all()
        fresh_database(PG_ADMIN_URL, name)  # emptied: nothing left behind
