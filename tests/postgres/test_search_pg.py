"""The conversations search on PostgreSQL (make test-postgres sets DATABASE_URL): the same desk
and the same expectations as SQLite's FTS5 (tests/test_search.py), and the queries served by
the expression GIN indexes of migration 0009."""

from __future__ import annotations

import pytest
from django.db import connection

from helpdesk.selectors.search import SearchFilters, _matching_customers, _matching_messages, conversations_search
from tests.support import search_world
from tests.support.search_world import EXPECTED

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]




@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return search_world.build()


@pytest.mark.parametrize(("who", "query", "expected"), EXPECTED)
def test_postgres_finds_the_same_conversations(world, who, query, expected) -> None:
    body = conversations_search(getattr(world, who), query, SearchFilters())
    by_id = {v: k for k, v in world.ids.items()}
    assert {by_id[r["id"]] for r in body["results"]} == expected


@pytest.mark.parametrize(
    "query", ['"', "*", "NEAR(blue sofa)", "blue & !sofa", "sofa:*", "-sofa", "a <-> b", "x" * 500]
)
def test_tsquery_syntax_is_plain_words(world, query) -> None:
    assert isinstance(conversations_search(world.sofia, query, SearchFilters())["results"], list)


def test_the_searches_use_the_gin_indexes(world) -> None:
    """The selector's expressions are the indexes' to the letter, or PostgreSQL would scan
    every message. With sequential scans priced out, the plan must name the index."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            for qs, index in (
                (_matching_messages(["sofa"]), "message_fts"),
                (_matching_customers(["dana"]), "customer_fts"),
            ):
                sql, params = qs.values("pk").query.sql_with_params()
                cursor.execute("EXPLAIN " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert index in plan, plan
        finally:
            cursor.execute("RESET enable_seqscan")
