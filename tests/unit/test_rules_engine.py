"""The rule engine and its schemas: table-driven, no database."""

from __future__ import annotations

import pytest

from routing.defaults import DEFAULT_RULES
from routing.rules.engine import Facts, evaluate
from routing.rules.loader import compile_rule
from routing.rules.schema import RuleError, parse_actions, parse_conditions

RULES = [compile_rule({**r, "enabled": True}) for r in DEFAULT_RULES]


def facts(**overrides) -> Facts:
    base = dict(text="where is my order", intent="order_status", intent_confidence=0.95, conversation_ages_days=(0.0,))
    return Facts(**{**base, **overrides})


@pytest.mark.parametrize(
    ("overrides", "queue", "trigger", "priority"),
    [
        ({}, None, None, None),
        ({"intent": "security_fraud", "intent_queue": "Security"}, "Security", "topic_rule", "urgent"),
        ({"intent": "talk_to_human"}, "General", "explicit_request", None),
        ({"text": "let me speak to someone please"}, "General", "explicit_request", None),
        ({"intent": "billing_dispute", "intent_queue": "Billing"}, "Billing", "topic_rule", None),
        ({"intent": "cancel_subscription", "intent_queue": "Retention"}, "Retention", "topic_rule", None),
        # polarity decides nothing: a calm report of a problem stays with the bot
        (
            {"sentiment": "negative", "sentiment_score": -0.97, "negative_streak": 3, "frustration": 0.1},
            None,
            None,
            None,
        ),
        ({"frustration": 0.6, "emotions": {"annoyance": 0.3}}, "General", "negative_sentiment", None),
        (
            {"frustration": 0.6, "emotions": {"annoyance": 0.02}},
            "General",
            "negative_sentiment",
            None,
        ),  # no annoyance needed
        ({"frustration": 0.5, "emotions": {"annoyance": 0.3}}, None, None, None),
        (
            {"frustration": 0.5, "emotions": {"annoyance": 0.2}, "frustration_course": (0.05, 0.1, 0.5)},
            "General",
            "negative_sentiment",
            None,
        ),
        (
            {"frustration": 0.4, "emotions": {"annoyance": 0.2}, "frustration_course": (0.05, 0.1, 0.4)},
            None,
            None,
            None,
        ),
        ({"text": "I'll be contacting my lawyer about this"}, "General", "negative_sentiment", None),
        ({"intent": "out_of_scope", "intent_confidence": 0.9, "bot_failures": 3}, "General", "bot_failure", None),
        ({"intent": "out_of_scope", "intent_confidence": 0.9, "bot_failures": 2}, None, None, None),
        ({"intent": "out_of_scope", "intent_confidence": 0.3, "bot_failures": 2}, "General", "low_confidence", None),
        ({"intent": "out_of_scope", "intent_confidence": 0.3, "bot_failures": 1}, None, None, None),
        ({"conversation_ages_days": (0.0, 2.0, 5.5)}, "General", "repeat_contact", None),
        ({"conversation_ages_days": (0.0, 2.0, 9.0)}, None, None, None),
        (
            {"intent": "damaged_item", "intent_queue": "Returns", "conversation_ages_days": (0, 1, 2)},
            "Returns",
            "repeat_contact",
            None,
        ),
    ],
)
def test_default_rules_on_message(overrides, queue, trigger, priority) -> None:
    decision = evaluate(RULES, facts(**overrides), stage="on_message")
    assert (decision.handoff_queue, decision.trigger, decision.priority) == (queue, trigger, priority)
    assert decision.route == ("human" if queue else "bot")


@pytest.mark.parametrize(("tier", "priority"), [("vip", "high"), ("enterprise", "high"), ("standard", None)])
def test_tier_raises_priority_at_handoff(tier, priority) -> None:
    assert evaluate(RULES, Facts(tier=tier), stage="on_handoff").priority == priority


def test_the_trace_says_why_each_rule_matched_or_not() -> None:
    decision = evaluate(RULES, facts(intent="billing_dispute", intent_queue="Billing"), stage="on_message")
    by_rule = {t.rule: t for t in decision.trace}
    assert by_rule["Topics that need a human"].matched
    assert any("billing_dispute" in reason for reason in by_rule["Topics that need a human"].reasons)
    assert not by_rule["A plain request for a person"].matched
    assert "Three turns the bot could not handle" not in by_rule  # stopped before it


def test_a_rule_can_leave_intents_out() -> None:
    rule = compile_rule(
        {
            "name": "Frustrated, not in a flow",
            "order": 1,
            "enabled": True,
            "stage": "on_message",
            "conditions": {
                "match": "all",
                "items": [
                    {"type": "frustration_at_least", "value": 0.5},
                    {"type": "intent_not_in", "intents": ["damaged_item", "order_status"]},
                ],
            },
            "actions": [{"type": "handoff", "queue": "General", "trigger": "negative_sentiment"}],
            "stop_after": True,
        }
    )
    outside = evaluate([rule], facts(intent="shipping_info", frustration=0.7), stage="on_message")
    inside = evaluate([rule], facts(intent="damaged_item", frustration=0.7), stage="on_message")
    assert outside.route == "human" and inside.route == "bot"
    assert any("intent damaged_item in" in reason for reason in inside.trace[0].reasons)


def test_stop_after_and_first_handoff_wins_and_highest_priority_wins() -> None:
    rules = [
        compile_rule(
            {
                "name": "a",
                "order": 1,
                "stage": "on_message",
                "stop_after": False,
                "conditions": {"match": "all", "items": []},
                "actions": [
                    {"type": "handoff", "queue": "Tech", "trigger": "t1", "priority": "high"},
                    {"type": "add_tag", "tag": "x"},
                ],
            }
        ),
        compile_rule(
            {
                "name": "b",
                "order": 2,
                "stage": "on_message",
                "stop_after": True,
                "conditions": {"match": "all", "items": []},
                "actions": [
                    {"type": "handoff", "queue": "Billing", "trigger": "t2"},
                    {"type": "set_priority", "priority": "low"},
                ],
            }
        ),
        compile_rule(
            {
                "name": "c",
                "order": 3,
                "stage": "on_message",
                "stop_after": False,
                "conditions": {"match": "all", "items": []},
                "actions": [{"type": "add_tag", "tag": "never"}],
            }
        ),
    ]
    decision = evaluate(rules, Facts(), stage="on_message")
    assert (decision.handoff_queue, decision.trigger, decision.priority) == ("Tech", "t1", "high")
    assert decision.tags == ["x"]


@pytest.mark.parametrize(
    ("conditions", "field"),
    [
        ("nope", "conditions"),
        ({"match": "most", "items": []}, "conditions.match"),
        ({"items": [{"type": "intent_in"}]}, "conditions.items[0].intents"),
        ({"items": [{"type": "intent_not_in", "intents": []}]}, "conditions.items[0].intents"),
        ({"items": [{"type": "confidence_below", "value": 2}]}, "conditions.items[0].value"),
        ({"items": [{"type": "sentiment_below", "value": "low"}]}, "conditions.items[0].value"),
        ({"items": [{"type": "text_matches", "pattern": "(unclosed"}]}, "conditions.items[0].pattern"),
        ({"items": [{"type": "tier_in", "tiers": ["gold"]}]}, "conditions.items[0].tiers"),
        ({"items": [{"type": "teleport"}]}, "conditions.items[0].type"),
        ({"items": [{"type": "bot_failures_at_least", "count": 2, "extra": 1}]}, "conditions.items[0].extra"),
        ({"items": [{"type": "negative_streak_at_least", "count": True}]}, "conditions.items[0].count"),
    ],
)
def test_bad_conditions_name_the_field(conditions, field) -> None:
    with pytest.raises(RuleError) as refused:
        parse_conditions(conditions)
    assert field in refused.value.errors


@pytest.mark.parametrize(
    ("actions", "field"),
    [
        ([], "actions"),
        ({"type": "handoff"}, "actions"),
        ([{"type": "handoff", "queue": "Billing"}], "actions[0].trigger"),
        ([{"type": "set_priority", "priority": "asap"}], "actions[0].priority"),
        ([{"type": "launch_rockets"}], "actions[0].type"),
    ],
)
def test_bad_actions_name_the_field(actions, field) -> None:
    with pytest.raises(RuleError) as refused:
        parse_actions(actions)
    assert field in refused.value.errors


def test_every_default_rule_parses() -> None:
    for rule in DEFAULT_RULES:
        parse_conditions(rule["conditions"])
        parse_actions(rule["actions"])


def test_business_hours_of_a_queue() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from helpdesk.models import Queue
    from helpdesk.selectors.queues import inside_business_hours

    queue = Queue(
        name="Q", business_hours={"tz": "Europe/Berlin", "days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}
    )
    utc = ZoneInfo("UTC")
    assert inside_business_hours(queue, datetime(2026, 11, 23, 9, 30, tzinfo=utc))  # Monday 10:30 in Berlin
    assert not inside_business_hours(queue, datetime(2026, 11, 23, 17, 30, tzinfo=utc))  # 18:30 in Berlin
    assert not inside_business_hours(queue, datetime(2026, 11, 22, 10, 0, tzinfo=utc))  # Sunday
    assert inside_business_hours(Queue(name="always"), datetime(2026, 11, 22, 3, 0, tzinfo=utc))
    assert inside_business_hours(Queue(name="broken", business_hours={"start": "nine"}))


def test_the_shipped_rules_record_the_triggers_metrics_md_names() -> None:
    # metrics.md's `escalation_by_trigger` keys: a client reading the scorecard knows these.
    spec = {
        "explicit_request",
        "negative_sentiment",
        "low_confidence",
        "topic_rule",
        "customer_tier",
        "repeat_contact",
        "bot_failure",
        "agent_transfer",
    }
    from routing.defaults import DEFAULT_RULES

    recorded = {a["trigger"] for rule in DEFAULT_RULES for a in rule["actions"] if a["type"] == "handoff"}
    assert recorded <= spec and "negative_sentiment" in recorded
