"""The scorecard for a 30-day window over 100,000 conversations and 1,000,000 messages, on
PostgreSQL.

    .venv/bin/python bench/scorecard_speed.py [--conversations 100000] [--messages-per 10] [--runs 3]

Generates the data into a fresh database `helpdesk_scorecard_bench` (about 5 minutes here),
then times `analytics.scorecard.scorecard` for the last 30 days (the data spans 90).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.services import PG_ADMIN_URL, fresh_database  # noqa: E402

INTENTS = ["order_status", "payment_methods", "billing_dispute", "damaged_item", "shipping_info", "complaint"]
TRIGGERS = ["explicit_request", "topic_rule", "negative_sentiment", "bot_failure"]


def generate(conversations: int, messages_per: int) -> None:
    from django.utils import timezone

    from bots.models import MessagePrediction, ModelVersion
    from helpdesk.models import Conversation, CsatResponse, Customer, Message, Queue

    rng = random.Random(7)
    now = timezone.now()
    queue = Queue.objects.create(name="General", is_default=True)
    version = ModelVersion.objects.create(kind="intent", training_size=1, head=b"", active=True)
    customers = Customer.objects.bulk_create([Customer(name=f"c{i}") for i in range(20000)], batch_size=5000)
    batch: list[Conversation] = []
    for _ in range(conversations):
        created = now - timedelta(seconds=rng.uniform(0, 90 * 86400))
        first = created + timedelta(seconds=rng.uniform(1, 30))
        kind = rng.random()
        c = Conversation(
            customer=customers[rng.randrange(len(customers))],
            token_hash="x" * 64,
            queue=queue,
            first_customer_message_at=first,
            last_customer_message_at=first,
            intent=rng.choice(INTENTS),
        )
        c.first_intent = c.intent
        c.sentiment_before_n = rng.randint(1, 3)
        c.sentiment_before_sum = c.sentiment_before_n * rng.uniform(-1, 0.5)
        if kind < 0.45 or 0.8 <= kind < 0.9:
            c.first_bot_reply_at = first + timedelta(seconds=rng.uniform(0.5, 3))
        if kind < 0.45:  # contained
            c.status, c.resolved_at, c.csat_requested_at = "resolved", first + timedelta(seconds=90), first
        elif kind < 0.8:  # handed off and resolved
            c.first_handoff_at = first + timedelta(seconds=20)
            c.queued_at = c.first_handoff_at
            c.handoff_trigger = rng.choice(TRIGGERS)
            c.first_assigned_at = c.first_handoff_at + timedelta(seconds=rng.uniform(5, 600))
            c.first_agent_message_at = c.first_assigned_at + timedelta(seconds=rng.uniform(5, 60))
            c.resolved_at = c.first_assigned_at + timedelta(seconds=rng.uniform(60, 1800))
            c.status, c.csat_requested_at = "resolved", c.resolved_at
            c.sentiment_after_n = 3
            c.sentiment_after_sum = 3 * rng.uniform(-0.5, 1)
        elif kind < 0.9:
            c.status, c.abandoned_from, c.abandoned_at = "abandoned", "bot", first + timedelta(minutes=30)
        elif kind < 0.97:
            c.first_handoff_at = first + timedelta(seconds=20)
            c.handoff_trigger = rng.choice(TRIGGERS)
            c.status, c.abandoned_from, c.abandoned_at = "abandoned", "queued", first + timedelta(minutes=30)
        else:
            c.status = "bot"
        if c.status == "resolved":
            c.sentiment_at_resolution = rng.uniform(-1, 1)
        c._created = created  # auto_now_add would override; set after insert
        batch.append(c)
    made = Conversation.objects.bulk_create(batch, batch_size=5000)
    # created_at is auto_now_add: spread it over the 90 days after the insert.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE spread (id uuid, created timestamptz)")
        rows = [(str(c.pk), c._created) for c in made]
        for start in range(0, len(rows), 10000):
            cursor.executemany("INSERT INTO spread VALUES (%s, %s)", rows[start : start + 10000])
        cursor.execute("UPDATE helpdesk_conversation c SET created_at = s.created FROM spread s WHERE c.id = s.id")
    CsatResponse.objects.bulk_create(
        [
            CsatResponse(conversation=c, score=rng.randint(1, 5))
            for c in made
            if c.status == "resolved" and rng.random() < 0.4
        ],
        batch_size=5000,
    )
    total = 0
    for start in range(0, len(made), 2000):
        messages = []
        for c in made[start : start + 2000]:
            t = c.first_customer_message_at
            for seq in range(1, messages_per + 1):
                sender = "customer" if seq % 2 == 1 else ("bot" if seq < 4 or not c.first_assigned_at else "agent")
                messages.append(
                    Message(
                        conversation=c,
                        seq=seq,
                        sender=sender,
                        body="benchmark message",
                        created_at=t + timedelta(seconds=seq * 7),
                    )
                )
        created_messages = Message.objects.bulk_create(messages, batch_size=5000)
        MessagePrediction.objects.bulk_create(
            [
                MessagePrediction(
                    message=m,
                    model_version=version,
                    intent=rng.choice(INTENTS),
                    intent_confidence=0.9,
                    sentiment="neutral",
                    sentiment_score=rng.uniform(-1, 1),
                )
                for m in created_messages
                if m.sender == "customer"
            ],
            batch_size=5000,
        )
        total += len(created_messages)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated {len(made)} conversations, {total} messages")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages-per", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = fresh_database(PG_ADMIN_URL, "helpdesk_scorecard_bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    generate(args.conversations, args.messages_per)
    print(f"generation: {time.perf_counter() - started:.0f} s")
    from analytics.scorecard import scorecard

    end = timezone.localdate() + timedelta(days=1)
    start = end - timedelta(days=30)
    timings = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        card = scorecard(start, end)
        timings.append(time.perf_counter() - t0)
    print(
        f"scorecard {start}..{end}: volume {card['volume']}, engaged {card['engaged']}, "
        f"containment {card['containment_rate']}, handoff_wait median {card['handoff_wait']['median']} s"
    )
    print(
        f"scorecard time over {args.runs} runs: median {statistics.median(timings):.3f} s, "
        f"min {min(timings):.3f} s, max {max(timings):.3f} s"
    )


if __name__ == "__main__":
    main()
