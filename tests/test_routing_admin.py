"""The rule editor as a supervisor uses it: field errors, never a 500; history; dry run. The
builder's rows: tests/test_rule_builder.py."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from routing.models import Rule, RuleChange
from tests.support.rules import form

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def boss(client, queues):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    client.force_login(user)
    return user


def test_a_valid_rule_is_saved_and_its_change_recorded(client, boss) -> None:
    answer = client.post("/admin/routing/rule/add/", form())
    assert answer.status_code == 302, answer.content[:500]
    rule = Rule.objects.get(name="Tech by keyword")
    change = RuleChange.objects.get(rule_name="Tech by keyword")
    assert (change.kind, change.who, change.before, change.after["actions"][0]["queue"]) == (
        "created",
        boss,
        None,
        "Tech",
    )
    listing = client.get("/admin/routing/rule/").content.decode()
    assert "When the message contains “error 500” → hand over to Tech (tech_keyword)" in listing
    assert rule.enabled


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("conditions", "{not json", "Enter a valid JSON"),
        (
            "conditions",
            json.dumps({"match": "all", "items": [{"type": "confidence_below", "value": 7}]}),
            "conditions.items[0].value: must be a number from 0 to 1",
        ),
        ("actions", json.dumps([{"type": "handoff", "queue": "Tech"}]), "actions[0].trigger: is required"),
        ("actions", json.dumps([]), "a rule needs at least one action"),
        (
            "conditions",
            json.dumps({"items": [{"type": "text_matches", "pattern": "(("}]}),
            "is not a valid regular expression",
        ),
    ],
)
def test_a_bad_rule_gets_a_field_error_and_is_not_saved(client, boss, field, value, message) -> None:
    before = Rule.objects.count()
    answer = client.post("/admin/routing/rule/add/", form(**{field: value}))
    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert Rule.objects.count() == before


def test_revert_puts_a_rule_back(client, boss) -> None:
    rule = Rule.objects.get(name="Topics that need a human")
    original = rule.as_json()
    answer = client.post(
        f"/admin/routing/rule/{rule.pk}/change/",
        form(
            name=rule.name,
            order="40",
            stage="on_message",
            actions=json.dumps([{"type": "handoff", "queue": "General", "trigger": "topic_rule"}]),
            conditions=json.dumps(rule.conditions),
        ),
    )
    assert answer.status_code == 302
    change = RuleChange.objects.filter(rule_name=rule.name, kind="changed").get()
    client.post("/admin/routing/rulechange/", {"action": "revert", "_selected_action": [change.pk]})
    rule.refresh_from_db()
    assert rule.actions == original["actions"]
    assert RuleChange.objects.filter(rule_name=rule.name, kind="reverted").exists()


def test_import_rejects_a_bad_set_whole_and_accepts_a_good_one(client, boss) -> None:
    bad = [
        {
            "name": "ok one",
            "stage": "on_message",
            "order": 5,
            "enabled": True,
            "stop_after": False,
            "conditions": {"match": "all", "items": []},
            "actions": [{"type": "add_tag", "tag": "x"}],
        },
        {"name": "bad one", "conditions": {"match": "all", "items": []}, "actions": [{"type": "nope"}]},
    ]
    answer = client.post("/admin/routing/rule/import/", {"json": json.dumps(bad)})
    assert answer.status_code == 200 and "actions[0].type" in answer.content.decode()
    assert not Rule.objects.filter(name="ok one").exists()
    exported = client.get("/admin/routing/rule/export/").json()
    assert {r["name"] for r in exported} >= {"Topics that need a human"}
    answer = client.post("/admin/routing/rule/import/", {"json": json.dumps(bad[:1])})
    assert answer.status_code == 302 and Rule.objects.filter(name="ok one").exists()


def test_dry_run_shows_the_reading_the_rules_and_the_decision(client, boss) -> None:
    answer = client.post(
        "/admin/routing/rule/dry-run/",
        {
            "message": "I was charged twice for my order, please check",
            "tier": "vip",
            "recent_conversations": 0,
            "bot_failures": 0,
            "negative_streak": 0,
            "channel": "web",
        },
    )
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "billing_dispute" in page and "Topics that need a human" in page
    assert "Billing" in page and "high" in page

