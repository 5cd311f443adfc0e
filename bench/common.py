"""Small helpers the benchmark scripts share."""

from __future__ import annotations


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
