"""The conversations view's search (helpdesk/selectors/search.py) on SQLite's FTS5: who finds
what, the filters, hostile queries, internal notes, the write path keeping the index current,
and query counts that do not grow with the data. The same expectations run on PostgreSQL in
tests/postgres/test_search_pg.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from helpdesk.selectors.search import PAGE_SIZE, SearchFilters, conversations_search
from tests.support import search_world
from tests.support.search_world import EXPECTED, chat
from tests.support.security import agent_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # four personas a test
    return search_world.build()


def found(world, who: str, query: str = "", **filters) -> set[str]:
    body = conversations_search(getattr(world, who), query, SearchFilters(**filters))
    by_id = {v: k for k, v in world.ids.items()}
    return {by_id.get(r["id"], r["id"]) for r in body["results"]}


@pytest.mark.parametrize(("who", "query", "expected"), EXPECTED)
def test_each_agent_finds_what_they_may_see(world, who, query, expected) -> None:
    assert found(world, who, query) == expected


def test_an_agent_never_finds_another_queues_conversation(world) -> None:
    # Olga works Billing: General's sofa, by its words, its customer or its note, is not there.
    for query in ("cushion", "Dana", "dana@example.com", "fastline", ""):
        assert "sofa" not in found(world, "olga", query)
        assert "old" not in found(world, "olga", query)
    assert found(world, "olga") == {"refund", "grace_billing"}
    assert found(world, "grace") == {"sofa", "lamp", "old", "grace_billing"}
    assert found(world, "sofia") == set(world.ids)


def test_resolved_and_open_history_newest_first(world) -> None:
    body = conversations_search(world.sofia, "", SearchFilters())
    order = [r["id"] for r in body["results"]]
    assert order == [world.ids[k] for k in ("grace_billing", "lamp", "refund", "sofa", "old")]
    assert {r["status"] for r in body["results"]} == {"resolved", "queued", "assigned"}
    assert body["results"][0]["url"] == f"/inbox/c/{world.ids['grace_billing']}/"


def test_filters(world) -> None:
    assert found(world, "sofia", status="resolved") == {"sofa", "refund", "old"}
    assert found(world, "sofia", "sofa", status="resolved", queue="Billing") == {"refund"}
    assert found(world, "sofia", queue="General") == {"sofa", "lamp", "old"}
    assert found(world, "sofia", intent="order_status") == {"lamp"}
    assert found(world, "sofia", assignee="grace") == {"grace_billing", "old"}
    assert found(world, "grace", assignee="me") == {"grace_billing", "old"}
    assert found(world, "sofia", assignee="none") == {"lamp"}
    assert found(world, "sofia", assignee="nobody-by-this-name") == set()
    today = timezone.localdate()
    assert found(world, "sofia", since=today - timedelta(days=3)) == {"refund", "lamp", "grace_billing"}
    assert found(world, "sofia", until=today - timedelta(days=3)) == {"refund", "sofa", "old"}
    assert found(world, "sofia", since=today - timedelta(days=6), until=today - timedelta(days=3)) == {"refund", "sofa"}
    assert found(world, "sofia", since=today, until=today - timedelta(days=1)) == set()


def test_a_match_says_which_message_and_marks_an_internal_note(world) -> None:
    [row] = conversations_search(world.grace, "fastline", SearchFilters())["results"]
    assert row["match"]["internal"] is True
    assert "Fastline" in row["match"]["snippet"]
    [row] = conversations_search(world.grace, "cushion", SearchFilters())["results"]
    assert row["match"] == {
        "sender": "customer",
        "internal": False,
        "snippet": "My blue sofa arrived with a torn cushion",
        "created_at": row["match"]["created_at"],
    }
    [row] = conversations_search(world.grace, "Moreno", SearchFilters())["results"]
    assert row["match"] is None  # found by the customer's name, no message matched
    assert row["customer"] == {"name": "Eli Moreno", "email": "eli@example.org"}


HOSTILE = [
    '"',
    '""',
    '"blue sofa',
    "*",
    "sofa*",
    "NEAR(blue sofa)",
    "NEAR",
    "blue OR sofa",
    "blue AND NOT sofa",
    "-sofa",
    "body:sofa",
    "^sofa",
    "sofa)",
    "(",
    "'; DROP TABLE helpdesk_message; --",
    "\\",
    "%",
    "_",
    "sofa " * 300,
    "x" * 5000,
    "émoji 🛋️ sofa",
    "\t \n ",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_fts_syntax_in_a_query_is_words_or_nothing(world, query) -> None:
    body = conversations_search(world.sofia, query, SearchFilters())
    assert isinstance(body["results"], list)
    assert len(body["query"]) <= 200


def test_fts_operators_are_plain_words(world) -> None:
    # Quoted for FTS5: NEAR, OR, *, - and quotes change nothing about which words must match.
    assert found(world, "grace", '"blue sofa') == {"sofa"}
    assert found(world, "grace", "sofa*") == {"sofa"}
    assert found(world, "grace", "NEAR(blue sofa)") == set()  # no message says "near"
    assert found(world, "grace", "(blue) sofa") == {"sofa"}
    assert found(world, "grace", "-cushion") == {"sofa"}
    assert found(world, "grace", "sofa OR lamp") == set()  # every word: "or" too


def test_punctuation_alone_gets_a_sentence_not_everything(world) -> None:
    body = conversations_search(world.sofia, '* " -', SearchFilters())
    assert body["results"] == []
    assert "words or numbers" in body["notice"]
    assert conversations_search(world.sofia, "   ", SearchFilters())["notice"] is None  # blank: all history


def test_the_write_path_keeps_the_index_current(world) -> None:
    """Through the real services: a customer's message, an agent's note, an edit (erasure
    rewrites bodies) and a deletion are all searchable, or not, at once."""
    from helpdesk.models import Customer, Message
    from helpdesk.services.closing import conversation_resolve
    from helpdesk.services.conversations import conversation_start
    from helpdesk.services.data_requests import customer_erase
    from helpdesk.services.handoff import conversation_handoff
    from helpdesk.services.messages import customer_message_post, note_post

    conversation, _ = conversation_start(name="Ivo Lind", email="ivo@example.com")
    customer_message_post(conversation_id=conversation.pk, body="The ottoman legs wobble")
    conversation_handoff(conversation_id=conversation.pk, queue=world.queues["General"], trigger="explicit_request")
    note_post(
        conversation_id=conversation.pk, author=world.grace.user, author_name="Grace", body="Spare legs: SKU 4471"
    )
    assert found(world, "grace", "ottoman") == {str(conversation.pk)}
    assert found(world, "grace", "4471") == {str(conversation.pk)}
    assert found(world, "grace", "Lind") == {str(conversation.pk)}

    conversation_resolve(conversation_id=conversation.pk, actor=world.sofia)
    customer_erase(customer=Customer.objects.get(pk=conversation.customer_id), actor=world.sofia.user)
    assert found(world, "grace", "ottoman") == set()  # erased words are no longer found
    assert found(world, "grace", "Lind") == set()

    Message.objects.filter(conversation_id=conversation.pk).delete()
    assert found(world, "grace", "4471") == set()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 triggers")
def test_the_fts5_triggers_are_in_place() -> None:
    # Django rebuilds an SQLite table to alter it, which drops its triggers: a later migration
    # that alters Message or Customer must recreate them, or the search silently goes stale.
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'helpdesk_%_fts_a_'")
        names = {row[0] for row in cursor.fetchall()}
    assert names == {f"helpdesk_{t}_fts_{op}" for t in ("message", "customer") for op in ("ai", "ad", "au")}


def test_pages_of_results(world) -> None:
    general = world.queues["General"]
    for i in range(PAGE_SIZE + 5):
        chat(general, name=f"Bulk {i}", email=None, lines=[f"pouffe number {i}"], days_ago=10)
    first = conversations_search(world.grace, "pouffe", SearchFilters(), page=1)
    second = conversations_search(world.grace, "pouffe", SearchFilters(), page=2)
    assert (len(first["results"]), first["has_next"], first["has_previous"]) == (PAGE_SIZE, True, False)
    assert (len(second["results"]), second["has_next"], second["has_previous"]) == (5, False, True)
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    assert conversations_search(world.grace, "pouffe", SearchFilters(), page=3)["results"] == []


@pytest.mark.parametrize(("query", "queries"), [("sofa", 5), ("", 3)])
def test_queries_stay_fixed_as_the_data_grows(world, query, queries, django_assert_num_queries) -> None:
    general = world.queues["General"]

    def grow(to: int) -> None:
        from helpdesk.models import Conversation

        for i in range(to - Conversation.objects.filter(queue=general).count()):
            chat(general, name=f"C{i}", email=None, lines=["a sofa question", "an answer"], agent=world.tom)

    grow(3)
    with django_assert_num_queries(queries):
        small = conversations_search(world.grace, query, SearchFilters())
    grow(30)
    with django_assert_num_queries(queries):
        large = conversations_search(world.grace, query, SearchFilters())
    assert len(small["results"]) < len(large["results"]) == PAGE_SIZE


# --- the endpoint and the pages -----------------------------------------------------------


def test_the_endpoint_answers_an_agent(world, client, django_assert_max_num_queries) -> None:
    token = agent_token(world.grace)
    answer = client.get(
        "/api/v1/agent/conversations/search/", {"q": "sofa", "status": "resolved"}, HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert answer.status_code == 200
    body = answer.json()
    assert [r["id"] for r in body["results"]] == [world.ids["sofa"]]
    assert body["has_next"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"page": "0"}, "page"),
        ({"page": "many"}, "page"),
        ({"since": "yesterday"}, "since"),
        ({"q": "x" * 201}, "q"),
        ({"q": "nul\x00byte"}, "q"),
    ],
)
def test_bad_parameters_are_field_errors(world, client, params, field) -> None:
    client.force_login(world.grace.user)
    answer = client.get("/api/v1/agent/conversations/search/", params)
    assert answer.status_code == 400
    assert field in answer.json()


def test_only_agents_search(world, client) -> None:
    from django.contrib.auth import get_user_model

    from helpdesk.services.conversations import conversation_start

    assert client.get("/api/v1/agent/conversations/search/", {"q": "sofa"}).status_code in (401, 403)
    _, customer_token = conversation_start(name="Curious")
    answer = client.get("/api/v1/agent/conversations/search/", {"q": "fastline", "token": customer_token})
    assert answer.status_code in (401, 403)
    answer = client.get(
        "/api/v1/agent/conversations/search/", {"q": "fastline"}, HTTP_AUTHORIZATION=f"Bearer {customer_token}"
    )
    assert answer.status_code in (401, 403)
    assert "Fastline" not in answer.content.decode()
    client.force_login(get_user_model().objects.create_user(username="shopper", password="x-123-secret"))
    assert client.get("/api/v1/agent/conversations/search/", {"q": "sofa"}).status_code == 403
