"""The conversations view's search (helpdesk/selectors/search.py) over 100,000 conversations on
PostgreSQL: median and p95 of one page of results, over ~200 queries of the kinds agents type.

    .venv/bin/python bench/search.py [--conversations 100000] [--queries 200] [--keep]

Fills a fresh database `helpdesk_search_bench` (COPY, about a minute here): customers with
names and emails, conversations over 180 days in six queues, 2 to 6 messages each written from
shop phrases (products, colours, damage, delivery, order numbers), an internal note on some.
The migration's GIN indexes are in place while the rows go in, as on a live desk. Then times
`conversations_search` as an agent of one queue and as a supervisor: a common word, two words,
a rare word, an order number, a customer's name, a word that matches nothing, words with
filters, and no words at all (history by filters alone). The database is dropped at the end
unless --keep. Target: p95 <= 200 ms.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from tests.support.services import PG_ADMIN_URL, fresh_database  # noqa: E402

QUEUES = ["General", "Billing", "Returns", "Retention", "Security", "Tech"]
FIRST = "Dana Eli Fay Gil Hana Ivo Jun Kai Lena Mo Nia Omar Pia Quinn Rosa Sven Tara Uma Vik Wen Yara Zoe".split()
LAST = "Moreno Okafor Tan Berg Lind Fielding Novak Sato Haddad Costa Meyer Ivanova Park Rossi Dubois Khan".split()
PRODUCTS = (
    "sofa armchair ottoman lamp rug wardrobe mattress desk bookshelf dresser stool cushion curtain "
    "duvet pillow mirror sideboard bench recliner futon headboard nightstand throw blanket"
).split()
COLOURS = "blue grey green oak walnut white black beige teal mustard navy charcoal terracotta ivory".split()
INTENTS = ["order_status", "damaged_item", "billing_dispute", "refund_request", "shipping_info", "product_question"]
CUSTOMER_LINES = [
    "My {colour} {product} arrived {damage}",
    "Where is my order {order}? The {product} has not moved for days",
    "I was charged twice for the {colour} {product}",
    "Can I return the {product}? It does not match my {colour} {other}",
    "The delivery of my {product} is late, order {order}",
    "Do you have the {product} in {colour}?",
    "How do I assemble the {product}? A screw is missing",
    "I want a refund for the {product}, it is {damage}",
]
AGENT_LINES = [
    "Sorry to hear that! Could you send a photo of the {product}?",
    "I have checked order {order}: it ships tomorrow.",
    "I have refunded the second charge for the {product}.",
    "A replacement {colour} {product} is on its way.",
    "You can return it within 30 days; here is the label.",
]
NOTES = [
    "Courier {courier} again: damaged parcel",
    "Customer asked for a manager about the {product}",
    "Offered 10% off the next order",
]
DAMAGES = ["scratched", "torn", "broken", "wobbly", "stained", "dented", "with a scuffed leg"]
COURIERS = ["Fastline", "ParcelGo", "Swiftship"]


def _copy(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    # COPY in text format: tabs, newlines and backslashes escaped, None as \N.
    def field(value) -> str:
        if value is None:
            return "\\N"
        return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")

    buffer = io.StringIO("".join("\t".join(field(v) for v in row) + "\n" for row in rows))
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


def generate(conversations: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from helpdesk.models import AgentProfile, Queue

    rng = random.Random(11)
    queues = [Queue.objects.create(name=name, is_default=name == "General") for name in QUEUES]
    users = get_user_model()
    agents = []
    for queue in queues:
        user = users.objects.create_user(username=f"agent_{queue.name.lower()}", password="x")
        profile = AgentProfile.objects.create(user=user, display_name=queue.name + " agent")
        profile.queues.set([queue])
        agents.append(profile)
    boss = users.objects.create_user(username="supervisor", password="x")
    supervisor = AgentProfile.objects.create(user=boss, display_name="Sofia", is_supervisor=True)
    supervisor.queues.set(queues)

    now = datetime.now(UTC)
    customer_count = conversations // 4
    raw = connection.connection  # psycopg's own connection, for COPY
    names = []
    with raw.cursor() as cursor:
        rows = []
        for i in range(1, customer_count + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            names.append(last)
            rows.append(
                (i, f"{first.lower()}.{last.lower()}{i}@example.com", f"{first} {last}", "standard", "", now, now)
            )
        _copy(cursor, "helpdesk_customer", ["id", "email", "name", "tier", "notes", "created_at", "updated_at"], rows)
        cursor.execute("SELECT setval('helpdesk_customer_id_seq', %s)", [customer_count])

        conv_rows, message_rows, orders = [], [], []
        message_id = 0
        columns = [
            "id", "customer_id", "channel", "page_url", "metadata", "token_hash", "status", "queue_id", "agent_id",
            "priority", "intent", "first_intent", "sentiment", "sentiment_score", "handoff_trigger", "collected",
            "summary", "tags", "bot_failures", "sentiment_before_sum", "sentiment_before_n", "sentiment_after_sum",
            "sentiment_after_n", "escalation_level", "last_seq", "created_at", "updated_at", "resolved_at",
            "abandoned_from",
        ]  # fmt: skip
        for _ in range(conversations):
            queue_index = rng.randrange(len(queues))
            created = now - timedelta(seconds=rng.uniform(0, 180 * 86400))
            status = rng.choices(["resolved", "abandoned", "assigned", "queued", "bot"], [80, 10, 4, 3, 3])[0]
            held = status == "assigned" or (status == "resolved" and rng.random() < 0.6)
            agent_id = agents[queue_index].user_id if held else None
            words = {
                "product": rng.choice(PRODUCTS),
                "other": rng.choice(PRODUCTS),
                "colour": rng.choice(COLOURS),
                "damage": rng.choice(DAMAGES),
                "order": f"A-{rng.randint(10000, 99999)}",
                "courier": rng.choice(COURIERS),
            }
            orders.append(words["order"])
            conversation_id = uuid.uuid4()
            lines = rng.randint(2, 6)
            seq = 0
            for n in range(lines):
                seq += 1
                template = rng.choice(CUSTOMER_LINES if n % 2 == 0 else AGENT_LINES)
                sender = "customer" if n % 2 == 0 else ("agent" if held else "bot")
                message_id += 1
                at = created + timedelta(seconds=30 * n)
                message_rows.append((message_id, conversation_id, seq, sender, template.format(**words), False, at))
            if held and rng.random() < 0.2:
                message_id += 1
                note = rng.choice(NOTES).format(**words)
                message_rows.append((message_id, conversation_id, None, "agent", note, True, created))
            intent = rng.choice(INTENTS)
            conv_rows.append(
                (conversation_id, rng.randint(1, customer_count), "web", "", "{}", "0" * 64, status,
                 queues[queue_index].pk, agent_id, 1, intent, intent, "neutral", 0.0, "", "{}", "", "[]", 0,
                 0.0, 0, 0.0, 0, 0, seq, created, created,
                 created + timedelta(minutes=20) if status == "resolved" else None, "")
            )  # fmt: skip
        for start in range(0, len(conv_rows), 20000):
            _copy(cursor, "helpdesk_conversation", columns, conv_rows[start : start + 20000])
        message_columns = ["id", "conversation_id", "seq", "sender", "body", "internal", "created_at"]
        for start in range(0, len(message_rows), 50000):
            rows = [(*r[:5], "t" if r[5] else "f", r[6], "", "[]", "{}") for r in message_rows[start : start + 50000]]
            _copy(cursor, "helpdesk_message", [*message_columns, "author_name", "options", "data"], rows)
        cursor.execute("SELECT setval('helpdesk_message_id_seq', %s)", [message_id])
        cursor.execute("ANALYZE")
    print(f"generated {conversations} conversations, {len(message_rows)} messages, {customer_count} customers")
    return {"agents": agents, "supervisor": supervisor, "orders": orders, "names": names}


def queries(world: dict, count: int) -> list[tuple[str, object, str, dict]]:
    """(kind, profile, words, filters) for `count` searches of the kinds agents type."""
    from helpdesk.selectors.search import SearchFilters

    rng = random.Random(5)
    today = datetime.now(UTC).date()
    kinds = [
        ("common word", lambda: rng.choice([*PRODUCTS, "order", "refund", "delivery"]), {}),
        ("two words", lambda: f"{rng.choice(COLOURS)} {rng.choice(PRODUCTS)}", {}),
        ("three words", lambda: f"{rng.choice(COLOURS)} {rng.choice(PRODUCTS)} {rng.choice(DAMAGES)}", {}),
        ("rare word", lambda: rng.choice(["Swiftship", "manager", "terracotta futon", "headboard dented"]), {}),
        ("order number", lambda: rng.choice(world["orders"]), {}),
        ("customer name", lambda: rng.choice(world["names"]), {}),
        ("no match", lambda: rng.choice(["xylophone", "aquarium", "trampoline"]), {}),
        ("words + filters", lambda: rng.choice(PRODUCTS), {"status": "resolved", "since": today - timedelta(days=30)}),
        ("no words, filters", lambda: "", {"status": rng.choice(["resolved", "queued", "abandoned"])}),
        ("no words", lambda: "", {}),
    ]
    made = []
    for i in range(count):
        kind, words, filters = kinds[i % len(kinds)]
        profile = world["supervisor"] if i % 2 else rng.choice(world["agents"])
        made.append((kind, profile, words(), SearchFilters(**filters)))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url = fresh_database(PG_ADMIN_URL, "helpdesk_search_bench")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from helpdesk.selectors.search import conversations_search

    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        world = generate(args.conversations)
        print(f"generation: {time.perf_counter() - started:.0f} s")
        planned = queries(world, args.queries)
        for _, profile, words, filters in planned[:20]:  # warm the cache, as a running desk's is
            conversations_search(profile, words, filters)
        timings: dict[str, list[float]] = {}
        for kind, profile, words, filters in planned:
            t0 = time.perf_counter()
            body = conversations_search(profile, words, filters)
            timings.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
            assert len(body["results"]) <= 25
        every = [t for values in timings.values() for t in values]
        for kind, values in timings.items():
            print(f"  {kind:18} median {statistics.median(values):7.1f} ms   p95 {percentile(values, 0.95):7.1f} ms")
        print(
            f"search over {args.conversations} conversations, {len(every)} queries: "
            f"median {statistics.median(every):.1f} ms, p95 {percentile(every, 0.95):.1f} ms (target p95 <= 200 ms)"
        )
    finally:
        connection.close()
        if not args.keep:
            import psycopg

            name = url.rsplit("/", 1)[1]
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
