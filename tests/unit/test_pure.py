"""Pure layers: no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots import replies
from config.settings.env import database_from_url
from helpdesk.security.ratelimit import TokenBucket


@pytest.mark.parametrize(
    ("url", "engine", "name"),
    [
        ("postgres://u:p@db.example:6543/helpdesk", "django.db.backends.postgresql", "helpdesk"),
        ("postgresql://postgres@127.0.0.1/hd", "django.db.backends.postgresql", "hd"),
        ("sqlite:////tmp/x/helpdesk.sqlite3", "django.db.backends.sqlite3", "/tmp/x/helpdesk.sqlite3"),
        ("sqlite:///tmp/helpdesk.sqlite3", "django.db.backends.sqlite3", "/tmp/helpdesk.sqlite3"),
        ("sqlite:///local.sqlite3", "django.db.backends.sqlite3", "local.sqlite3"),
    ],
)
def test_database_url_parsing(url: str, engine: str, name: str) -> None:
    config = database_from_url(url, default_sqlite=Path("/default.sqlite3"))
    assert config["ENGINE"] == engine
    assert config["NAME"] == name


def test_database_url_postgres_credentials() -> None:
    config = database_from_url("postgres://us%40er:p%2Fw@h:5433/db", default_sqlite=Path("x"))
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == ("us@er", "p/w", "h", "5433")


def test_database_url_prepares_statements_unless_told_not_to() -> None:
    options = database_from_url("postgres://h/db?sslmode=require", default_sqlite=Path("x"))["OPTIONS"]
    assert options == {"sslmode": "require", "server_side_binding": True, "prepare_threshold": 5}
    behind_a_pooler = "postgres://h/db?prepare_threshold=none&server_side_binding=false&connect_timeout=3"
    options = database_from_url(behind_a_pooler, default_sqlite=Path("x"))["OPTIONS"]
    assert options == {"server_side_binding": False, "prepare_threshold": None, "connect_timeout": 3}


def test_database_url_default_and_bad_scheme() -> None:
    assert database_from_url("", default_sqlite=Path("/d.sqlite3"))["NAME"] == "/d.sqlite3"
    with pytest.raises(ValueError, match="unsupported scheme"):
        database_from_url("mysql://x/y", default_sqlite=Path("x"))


def test_token_bucket_allows_burst_then_refuses_then_refills() -> None:
    bucket = TokenBucket(rate=10, burst=10)
    assert all(bucket.allow(now=100.0) for _ in range(10))
    assert not bucket.allow(now=100.0)
    assert bucket.allow(now=100.15)  # 1.5 tokens back
    assert not bucket.allow(now=100.15)


def test_token_bucket_sustained_flood_is_cut_to_the_rate() -> None:
    bucket = TokenBucket(rate=10, burst=10)
    # 20 messages a second for 3 seconds.
    allowed = sum(bucket.allow(now=i * 0.05) for i in range(60))
    assert 35 <= allowed <= 41


def test_greeting_says_it_is_automated() -> None:
    assert "automated assistant" in replies.greeting("Dana")
