"""Frustration and emotions on the embedded desk: the facts the rules read, the dry run."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from helpdesk.models import Message, Sender
from helpdesk.services.messages import customer_message_post
from routing.facts import MessageReading, facts_for

pytestmark = pytest.mark.django_db(transaction=True)


def say(conversation, body: str) -> Message:
    message, _ = customer_message_post(conversation_id=conversation.pk, body=body)
    return message


def with_frustration(message: Message, value: float) -> None:
    """A stored reading with a chosen frustration (the model's own figure is not the point)."""
    message.refresh_from_db()
    prediction = {**message.data["prediction"], "frustration": value}
    Message.objects.filter(pk=message.pk).update(data={**message.data, "prediction": prediction})


def test_the_facts_carry_the_frustration_course_of_the_earlier_customer_messages(queues, started) -> None:
    conversation, _ = started
    for body, value in (("hello", 0.05), ("hi there", 0.2), ("hello again", 0.3)):
        with_frustration(say(conversation, body), value)
    latest = Message.objects.filter(conversation=conversation, sender=Sender.CUSTOMER).latest("id")
    conversation.refresh_from_db()
    reading = MessageReading("this is useless", "greeting", 0.9, None, "negative", -0.9, {"anger": 0.6}, 0.7)
    on_message = facts_for(conversation=conversation, reading=reading, message_id=latest.pk + 1)
    assert on_message.frustration_course == (0.05, 0.2, 0.3, 0.7)
    assert (on_message.frustration, on_message.emotions["anger"]) == (0.7, 0.6)
    # Outside a message (handoff, periodic) the latest stored reading ends the course.
    waiting = facts_for(conversation=conversation)
    assert waiting.frustration_course == (0.05, 0.2, 0.3)
    assert waiting.frustration == 0.3 and waiting.text == "hello again"
    assert set(waiting.emotions) >= {"anger", "confusion", "sadness"}


@pytest.fixture
def boss(client, queues):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    client.force_login(user)
    return user


def dry_run(client, message: str, earlier: str = "") -> str:
    answer = client.post(
        "/admin/routing/rule/dry-run/",
        {
            "message": message,
            "tier": "standard",
            "recent_conversations": 0,
            "bot_failures": 0,
            "negative_streak": 0,
            "earlier_frustration": earlier,
            "channel": "web",
        },
    )
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_dry_run_shows_emotions_frustration_and_its_course(client, boss) -> None:
    page = dry_run(client, "I'm really confused, which size should I pick?", earlier="0.1, 0.25")
    assert "frustration course" in page and "0.10 → 0.25 → " in page
    assert "confusion" in page and "sadness" in page


def test_the_dry_run_refuses_a_bad_earlier_frustration_on_its_field(client, boss) -> None:
    page = dry_run(client, "hello", earlier="0.1, lots")
    assert "&#x27;lots&#x27;: each value must be a number from 0 to 1" in page
    assert "Rules on each message" not in page


def test_the_migration_replaces_the_polarity_rule_only_where_it_is_as_shipped(db) -> None:
    import importlib

    from django.apps import apps

    from routing.models import Rule, RuleChange

    migration = importlib.import_module("routing.migrations.0003_frustration_rules")
    Rule.objects.all().delete()
    Rule.objects.create(**migration.RETIRED)
    migration.forward(apps, None)
    names = set(Rule.objects.values_list("name", flat=True))
    assert names == {
        "Threats to leave, dispute or sue",
        "A frustrated customer",
        "Anger in so many words",
        "Frustration rising",
    }
    assert RuleChange.objects.filter(rule_name=migration.RETIRED["name"], kind="deleted", who=None).exists()
    assert RuleChange.objects.filter(kind="created").count() == 4

    # A supervisor's edit is theirs: kept, next to the new rules; run again, nothing doubles.
    Rule.objects.all().delete()
    edited = {
        **migration.RETIRED,
        "conditions": {"match": "all", "items": [{"type": "sentiment_below", "value": -0.95}]},
    }
    Rule.objects.create(**edited)
    migration.forward(apps, None)
    migration.forward(apps, None)
    assert Rule.objects.get(name=migration.RETIRED["name"]).conditions == edited["conditions"]
    assert Rule.objects.count() == 5

    # Backwards: the added rules go, the polarity rule is there again.
    migration.backward(apps, None)
    assert list(Rule.objects.values_list("name", flat=True)) == [migration.RETIRED["name"]]
