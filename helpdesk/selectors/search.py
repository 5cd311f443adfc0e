"""Search over every conversation an agent may see, open or long resolved: the conversations
view's one read (GET /api/v1/agent/conversations/search/).

Full text over message bodies (internal notes included: only staff ever search) and over the
customer's name and email. A conversation matches when one of its messages holds every word
of the query, or its customer's name and email do. Two engines behind the same words:

- PostgreSQL: `to_tsvector('english', body)` against `plainto_tsquery`, served by an
  expression GIN index (migration 0009): no stored column, no trigger, nothing added to the
  customer message's write path; the index is kept by PostgreSQL itself.
- SQLite (embedded mode): FTS5 tables kept in sync by SQLite triggers (same migration), so
  no Python runs on the write path either. Each word is quoted for FTS5, so `"`, `*`, `NEAR`,
  `OR` or `-` in a query are words or nothing, never FTS5 syntax.

Results are newest first, a page at a time, in a fixed number of queries whatever the data's
size (tests/test_search.py counts them): the agent's queues; with words, the matching
customers, the page's ids by message and by customer, its rows and their matching messages;
without, the page's ids and its rows. Timing over 100,000 conversations: bench/search.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from ..frames import iso
from ..models import AgentProfile, Conversation, Customer, Message, Queue
from .conversations import agent_visible_filter

PAGE_SIZE = 25
MAX_QUERY_CHARS = 200
MAX_WORDS = 16
SNIPPET_CHARS = 160
# A name or email shared by more customers than this is searched among this many of them.
MAX_CUSTOMERS = 1000
# A LIMIT no search reaches: it keeps PostgreSQL from flattening the message subquery into a
# semi-join (see _page_ids).
_UNFLATTENED = 100_000_000
# The FTS5 tables (SQLite only), created and kept by migration 0009.
MESSAGE_FTS = "helpdesk_message_fts"
CUSTOMER_FTS = "helpdesk_customer_fts"
# Dates outside these years are clamped: a date at the calendar's edge would overflow when a
# day is added or the time zone applied, and no conversation lies out there.
_EARLIEST = date(1900, 1, 1)
_LATEST = date(2999, 12, 31)
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class SearchFilters:
    status: str = ""
    queue: str = ""  # a queue's name
    intent: str = ""
    assignee: str = ""  # an agent's username, "me", or "none" (nobody holds it)
    since: date | None = None  # created on or after this day
    until: date | None = None  # created on or before this day


def search_words(query: str) -> list[str]:
    """The query's words: its whitespace-separated pieces that hold a letter or a digit.
    Punctuation alone (`*`, `"`, `-`) is no word; a query longer than MAX_WORDS keeps the
    first ones."""
    return [piece for piece in query.split() if _WORD.search(piece)][:MAX_WORDS]


def _fts5_match(words: list[str]) -> str:
    # Each word a quoted FTS5 string (a `"` inside doubled): the tokenizer splits it, the
    # parser never reads it as an operator. Quoted strings side by side must all match.
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def _matching_messages(words: list[str]) -> QuerySet[Message]:
    if connection.vendor == "postgresql":
        # The expression must be the index's, to the letter (migration 0009).
        return Message.objects.annotate(document=SearchVector("body", config="english")).filter(
            document=SearchQuery(" ".join(words), config="english", search_type="plain")
        )
    return Message.objects.filter(
        id__in=RawSQL(f"SELECT rowid FROM {MESSAGE_FTS} WHERE {MESSAGE_FTS} MATCH %s", [_fts5_match(words)])
    )


def _matching_customers(words: list[str]) -> QuerySet[Customer]:
    if connection.vendor == "postgresql":
        return Customer.objects.annotate(document=SearchVector("name", "email", config="simple")).filter(
            document=SearchQuery(" ".join(words), config="simple", search_type="plain")
        )
    return Customer.objects.filter(
        id__in=RawSQL(f"SELECT rowid FROM {CUSTOMER_FTS} WHERE {CUSTOMER_FTS} MATCH %s", [_fts5_match(words)])
    )


def _day_start(day: date) -> datetime:
    day = min(max(day, _EARLIEST), _LATEST)
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(profile: AgentProfile, filters: SearchFilters) -> QuerySet[Conversation]:
    # The permission check is the first filter, the same rule as every other read; the agent's
    # queues read first, so that PostgreSQL can estimate them (agent_visible_filter).
    queue_ids = None if profile.is_supervisor else list(profile.queues.values_list("pk", flat=True))
    qs = Conversation.objects.filter(agent_visible_filter(profile, queue_ids=queue_ids))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.queue:
        qs = qs.filter(queue__name=filters.queue)
    if filters.intent:
        qs = qs.filter(intent=filters.intent)
    if filters.assignee == "none":
        qs = qs.filter(agent__isnull=True)
    elif filters.assignee == "me":
        qs = qs.filter(agent_id=profile.user_id)
    elif filters.assignee:
        qs = qs.filter(agent__username=filters.assignee)
    if filters.since:
        qs = qs.filter(created_at__gte=_day_start(filters.since))
    if filters.until:
        qs = qs.filter(created_at__lt=_day_start(filters.until) + timedelta(days=1))
    return qs


def _page_ids(qs: QuerySet[Conversation], words: list[str], offset: int, limit: int) -> list[Any]:
    """The ids of one page of `qs`'s conversations that match `words`, newest first.

    A conversation matches by one of its messages or by its customer: two lists, each newest
    first and cut at the page's end, merged here. With the two tests joined by OR in one query,
    PostgreSQL walks every visible conversation and tests each. The message test itself starts
    from the GIN index (the subquery under a LIMIT is read once, whole): its cost follows how
    many messages hold the words. Flattened into a semi-join, the planner may instead walk the
    newest conversations and recompute each message's tsvector, fast for a common word and
    seconds for one it misjudges (bench/search.py measured both).
    """
    newest = ("-created_at", "-pk")
    if not words:
        return list(qs.order_by(*newest).values_list("pk", flat=True)[offset : offset + limit])
    by_message = qs.filter(pk__in=_matching_messages(words).order_by().values("conversation_id")[:_UNFLATTENED])
    # The matching customers' ids first, as a list: PostgreSQL cannot estimate how many
    # customers a name matches (it guesses 0.5 %), and with the subquery it walks every
    # conversation to test its customer. A list goes through the (customer, created_at) index.
    customers = list(_matching_customers(words).values_list("pk", flat=True)[:MAX_CUSTOMERS])
    by_customer = qs.filter(customer_id__in=customers)  # no customer: Django asks nothing
    created: dict[Any, datetime] = {}
    for part in (by_message, by_customer):
        created.update(part.order_by(*newest).values_list("pk", "created_at")[: offset + limit])
    # The same order as the database's: created_at, then the id (UUIDs compare as numbers).
    ordered = sorted(created, key=lambda pk: (created[pk], pk), reverse=True)
    return ordered[offset : offset + limit]


def _snippet(body: str, words: list[str]) -> str:
    """The message around its first matching word, at most SNIPPET_CHARS long."""
    lowered = body.lower()
    at = min((i for i in (lowered.find(w.lower()) for w in words) if i >= 0), default=0)
    start = max(0, at - SNIPPET_CHARS // 3)
    text = body[start : start + SNIPPET_CHARS]
    return ("…" if start else "") + text + ("…" if start + SNIPPET_CHARS < len(body) else "")


def _row(conversation: Conversation, match: Message | None, words: list[str]) -> dict[str, Any]:
    customer = conversation.customer
    agent = conversation.agent
    return {
        "id": str(conversation.pk),
        "url": f"/inbox/c/{conversation.pk}/",
        "status": conversation.status,
        "queue": conversation.queue.name if conversation.queue_id else None,
        "intent": conversation.intent or None,
        "agent_name": (agent.agent.display_name if hasattr(agent, "agent") else agent.get_username())
        if agent
        else None,
        "customer": {"name": customer.display_name, "email": customer.email},
        "summary": conversation.summary,
        "created_at": iso(conversation.created_at),
        "resolved_at": iso(conversation.resolved_at),
        # The message that matched, so the agent sees why; an internal note says so.
        "match": {
            "sender": match.sender,
            "internal": match.internal,
            "snippet": _snippet(match.body, words),
            "created_at": iso(match.created_at),
        }
        if match
        else None,
    }


def conversations_search(profile: AgentProfile, query: str, filters: SearchFilters, page: int = 1) -> dict[str, Any]:
    """One page of the conversations this agent may see that match `query` (all of them when
    it is blank) and the filters, newest first.

    `notice` is a sentence when the query could match nothing as typed (punctuation alone).
    """
    query = query.strip()[:MAX_QUERY_CHARS]
    words = search_words(query)
    body: dict[str, Any] = {"query": query, "page": page, "has_previous": page > 1, "has_next": False, "notice": None}
    if query and not words:
        body["notice"] = "Search for words or numbers: punctuation alone matches nothing."
        body["results"] = []
        return body
    qs = _filtered(profile, filters)
    offset = (page - 1) * PAGE_SIZE
    # One row past the page says whether there is a next one, without counting every match.
    ids = _page_ids(qs, words, offset, PAGE_SIZE + 1)
    body["has_next"] = len(ids) > PAGE_SIZE
    ids = ids[:PAGE_SIZE]
    # The page's rows with their customer, queue and agent, read once the page is known: joined
    # before the LIMIT, the customers would be read for every match.
    by_id = Conversation.objects.select_related("queue", "customer", "agent__agent").in_bulk(ids)
    rows = [by_id[pk] for pk in ids if pk in by_id]
    first_match: dict[Any, Message] = {}
    if words and rows:
        for message in _matching_messages(words).filter(conversation_id__in=ids).order_by("id"):
            first_match.setdefault(message.conversation_id, message)
    body["results"] = [_row(c, first_match.get(c.pk), words) for c in rows]
    return body


def search_choices(profile: AgentProfile) -> dict[str, Any]:
    """What the conversations view's filters offer: the queues the agent may look into and
    the agents who may hold a conversation."""
    queues = Queue.objects.order_by("name") if profile.is_supervisor else profile.queues.order_by("name")
    agents = AgentProfile.objects.select_related("user").order_by("display_name")
    return {
        "queues": [q.name for q in queues],
        "agents": [(a.user.get_username(), a.display_name) for a in agents],
    }
