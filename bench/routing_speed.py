"""Routing decision time per message with 200 active rules.

    .venv/bin/python bench/routing_speed.py [--rules 200] [--messages 2000]

Two figures: the engine alone (the pure evaluation over typed facts, all rules read), and
the decision as the bot takes it (`bots.services.deciding.decide_on_message`: facts gathered
by `routing.facts.facts_for` from the database
— the customer's recent conversations, the negative streak — then the engine), on the embedded
SQLite database. 192 generated rules that do not match come before the 8 defaults, so every
rule is evaluated.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def generated_rules(count: int) -> list[dict]:
    kinds = [
        {"type": "intent_in", "intents": ["never_a_real_intent", "another_one"]},
        {"type": "text_contains", "words": ["zebra crossing", "quantum", "moonlight sonata"]},
        {"type": "text_matches", "pattern": r"\bwarranty\s+claim\s+#\d{6}\b"},
        {"type": "sentiment_below", "value": -0.99},
        {"type": "tier_in", "tiers": ["enterprise"]},
        {"type": "recent_conversations_at_least", "days": 1, "count": 40},
        {"type": "page_url_contains", "text": "/never/"},
        {"type": "confidence_below", "value": 0.01},
    ]
    rules = []
    for i in range(count):
        items = [kinds[i % len(kinds)], kinds[(i * 3 + 1) % len(kinds)]]
        rules.append(
            {
                "name": f"generated {i:03d}",
                "order": 1 + i // 10,
                "stage": "on_message",
                "enabled": True,
                "stop_after": False,
                "conditions": {"match": "all", "items": items},
                "actions": [{"type": "add_tag", "tag": f"g{i}"}],
            }
        )
    return rules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="helpdesk-routing-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/db.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bots.services.deciding import decide_on_message
    from helpdesk.models import Queue
    from helpdesk.services.conversations import conversation_start
    from routing.defaults import DEFAULT_RULES
    from routing.facts import MessageReading
    from routing.rules.engine import Facts, evaluate
    from routing.rules.loader import active_rules
    from routing.services import rules_import

    Queue.objects.create(name="General", is_default=True)
    extra = args.rules - len(DEFAULT_RULES)
    rules_import(generated_rules(extra) + [{**r, "order": 1000 + r["order"], "enabled": True} for r in DEFAULT_RULES])
    rules = active_rules()
    assert len(rules) == args.rules, len(rules)
    texts = [
        "where is my order A-1001?",
        "I want to speak to a person",
        "which payment methods do you take",
        "this is ridiculous, third time I ask",
        "my lamp arrived broken",
    ]
    intents = ["order_status", "talk_to_human", "payment_methods", "complaint", "damaged_item"]

    pure = []
    for i in range(args.messages):
        facts = Facts(text=texts[i % 5], intent=intents[i % 5], intent_confidence=0.9, conversation_ages_days=(0.0,))
        t0 = time.perf_counter()
        evaluate(rules, facts, stage="on_message")
        pure.append((time.perf_counter() - t0) * 1000)

    conversation, _ = conversation_start(name="bench", email="bench@example.com")
    full = []
    for i in range(args.messages):
        reading = MessageReading(texts[i % 5], intents[i % 5], 0.9, None, "neutral", 0.0)
        t0 = time.perf_counter()
        decide_on_message(reading, conversation=conversation)
        full.append((time.perf_counter() - t0) * 1000)

    for name, values in (("engine only", pure), ("decide_on_message() with facts from the database", full)):
        values.sort()
        print(
            f"{name}, {len(rules)} rules: median {statistics.median(values):.3f} ms, "
            f"p95 {values[int(0.95 * (len(values) - 1))]:.3f} ms, p99 {values[int(0.99 * (len(values) - 1))]:.3f} ms"
        )


if __name__ == "__main__":
    main()
