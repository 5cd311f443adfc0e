"""A small desk of past and present conversations for the search tests (tests/test_search.py on
SQLite, tests/postgres/test_search_pg.py on PostgreSQL): the same rows, so both engines must
find the same conversations.

Rows are written directly: the search reads what is stored, and the tests that the write
path keeps the index current go through the real services (tests/test_search.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from tests.support.people import make_agent


@dataclass
class World:
    queues: dict[str, Any]
    grace: Any  # General
    tom: Any  # General too
    olga: Any  # Billing only
    sofia: Any  # supervisor
    ids: dict[str, str] = field(default_factory=dict)


def chat(
    queue,
    *,
    name: str,
    email: str | None,
    lines: list[str],
    status: str = "resolved",
    agent=None,
    intent: str = "",
    days_ago: int = 0,
    notes: tuple[str, ...] = (),
):
    """One conversation: the customer's lines (alternating with the agent's, when held), then
    any internal notes."""
    from helpdesk.models import Conversation, Customer, Message

    customer = Customer.objects.create(name=name, email=email)
    conversation = Conversation.objects.create(
        customer=customer,
        token_hash="0" * 64,
        status=status,
        queue=queue,
        agent=agent.user if agent else None,
        intent=intent,
        resolved_at=timezone.now() if status == "resolved" else None,
    )
    created = timezone.now() - timedelta(days=days_ago)
    Conversation.objects.filter(pk=conversation.pk).update(created_at=created)
    for seq, body in enumerate(lines, start=1):
        sender = "customer" if seq % 2 or agent is None else "agent"
        Message.objects.create(conversation=conversation, seq=seq, sender=sender, body=body)
    for body in notes:
        Message.objects.create(conversation=conversation, sender="agent", body=body, internal=True)
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=len(lines))
    return conversation


def build() -> World:
    from helpdesk.models import Queue

    queues = {name: Queue.objects.create(name=name, is_default=name == "General") for name in ("General", "Billing")}
    world = World(
        queues=queues,
        grace=make_agent("grace", [queues["General"]], display_name="Grace"),
        tom=make_agent("tom", [queues["General"]], display_name="Tom"),
        olga=make_agent("olga", [queues["Billing"]], display_name="Olga"),
        sofia=make_agent("sofia", list(queues.values()), supervisor=True, display_name="Sofia"),
    )
    general, billing = queues["General"], queues["Billing"]
    made = {
        "sofa": chat(
            general,
            name="Dana Fielding",
            email="dana@example.com",
            lines=["My blue sofa arrived with a torn cushion", "Sorry to hear that! Could you send a photo?"],
            agent=world.tom,
            intent="damaged_item",
            days_ago=6,
            notes=("Courier Fastline again: third damaged parcel this month",),
        ),
        "lamp": chat(
            general,
            name="Eli Moreno",
            email="eli@example.org",
            lines=["Where is my floor lamp? Order A-1001 has not moved"],
            status="queued",
            intent="order_status",
            days_ago=1,
        ),
        "refund": chat(
            billing,
            name="Fay Okafor",
            email="fay@example.net",
            lines=["I was charged twice for the blue sofa cover", "I have refunded the second charge."],
            agent=world.olga,
            intent="billing_dispute",
            days_ago=3,
        ),
        "grace_billing": chat(
            billing,
            name="Gil Tan",
            email=None,
            lines=["Can I pay the rug in instalments?", "Yes, in three."],
            status="assigned",
            agent=world.grace,
            intent="payment",
            days_ago=0,
        ),
        "old": chat(
            general,
            name="Hana Berg",
            email="hana@example.com",
            lines=["The wardrobe doors squeak", "Try the hinge screws."],
            agent=world.grace,
            intent="product_question",
            days_ago=40,
        ),
    }
    world.ids = {key: str(c.pk) for key, c in made.items()}
    return world


# What each persona must find, by query: the same on both engines.
EXPECTED: list[tuple[str, str, set[str]]] = [
    ("grace", "blue sofa", {"sofa"}),  # Billing's sofa cover is not hers to see
    ("olga", "blue sofa", {"refund"}),
    ("sofia", "blue sofa", {"sofa", "refund"}),
    ("sofia", "sofas", {"sofa", "refund"}),  # stemmed
    ("grace", "CUSHION", {"sofa"}),
    ("grace", "torn sofa", {"sofa"}),  # every word, in any order
    ("grace", "sofa rug", set()),  # never both in one message
    ("grace", "fastline", {"sofa"}),  # an internal note
    ("grace", "instalments", {"grace_billing"}),  # another queue's, but she holds it
    ("olga", "instalments", {"grace_billing"}),
    ("grace", "Moreno", {"lamp"}),  # the customer's name
    ("grace", "A-1001", {"lamp"}),
    ("grace", "wardrobe", {"old"}),
    ("olga", "wardrobe", set()),
    ("sofia", "nothing-like-this-anywhere", set()),
]
