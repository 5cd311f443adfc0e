"""Rules in words (routing/rules/sentences.py): the sentence each rule reads as, schema errors
in words on their row, and the diff between two versions. Pure, no database."""

from __future__ import annotations

import pytest

from routing.defaults import DEFAULT_RULES
from routing.rules.schema import ACTION_PARAMS, CONDITION_PARAMS, RuleError, parse_actions, parse_conditions
from routing.rules.sentences import (
    ACTION_WORDS,
    CONDITION_WORDS,
    PARAM_WORDS,
    DiffLine,
    FieldDiff,
    action_phrase,
    condition_phrase,
    locate,
    rule_diff,
    rule_sentence,
)


@pytest.mark.parametrize(
    ("item", "phrase"),
    [
        ({"type": "tier_in", "tiers": ["vip", "enterprise"]}, "the customer is VIP or enterprise"),
        (
            {"type": "tier_in", "tiers": ["standard", "vip", "enterprise"]},
            "the customer is standard, VIP or enterprise",
        ),
        ({"type": "intent_in", "intents": ["billing_dispute"]}, "the request is about billing dispute"),
        (
            {"type": "intent_not_in", "intents": ["damaged_item", "order_status"]},
            "the request is not about damaged item or order status",
        ),
        ({"type": "confidence_below", "value": 0.35}, "the bot's confidence is below 0.35"),
        ({"type": "sentiment_is", "label": "negative"}, "the message reads as negative"),
        ({"type": "negative_streak_at_least", "count": 2}, "2 or more negative messages in a row"),
        ({"type": "emotion_at_least", "emotion": "anger", "value": 0.5}, "anger is at least 0.5"),
        (
            {"type": "frustration_rising", "turns": 3, "by": 0.3},
            "frustration rose by 0.3 or more over the last 3 messages",
        ),
        (
            {"type": "recent_conversations_at_least", "days": 7, "count": 3},
            "the customer had 3 or more conversations in 7 days",
        ),
        ({"type": "text_contains", "words": ["refund", "money back"]}, "the message contains “refund” or “money back”"),
        ({"type": "business_hours", "inside": False}, "it is outside business hours"),
        ({"type": "queue_wait_longer_than", "seconds": 120}, "the chat has waited longer than 120 seconds"),
        ({"type": "no_such_type", "x": 1}, "no such type (x 1)"),
    ],
)
def test_each_condition_reads_in_words(item: dict, phrase: str) -> None:
    assert condition_phrase(item) == phrase


@pytest.mark.parametrize(
    ("action", "phrase"),
    [
        ({"type": "set_priority", "priority": "high"}, "set priority high"),
        (
            {"type": "handoff", "queue": "intent", "trigger": "topic_rule", "priority": "high"},
            "hand over to the intent's own queue (topic for a team), priority high",
        ),
        ({"type": "handoff", "queue": "Tech", "trigger": "my_own"}, "hand over to Tech (my_own)"),
        ({"type": "add_tag", "tag": "vip"}, "tag “vip”"),
        ({"type": "notify_supervisors"}, "alert the supervisors"),
        ({"type": "notify_supervisors", "message": "Look"}, "alert the supervisors: “Look”"),
    ],
)
def test_each_action_reads_in_words(action: dict, phrase: str) -> None:
    assert action_phrase(action) == phrase


def test_a_rule_reads_as_one_sentence() -> None:
    vip = {"type": "tier_in", "tiers": ["vip", "enterprise"]}
    high = {"type": "set_priority", "priority": "high"}
    assert rule_sentence({"match": "all", "items": [vip]}, [high]) == (
        "When the customer is VIP or enterprise → set priority high"
    )
    either = {"match": "any", "items": [vip, {"type": "bot_failures_at_least", "count": 3}]}
    assert rule_sentence(either, [high, {"type": "add_tag", "tag": "x"}]) == (
        "When the customer is VIP or enterprise or the bot failed 3 or more times → set priority high; tag “x”"
    )
    assert rule_sentence({"match": "all", "items": []}, [high]) == "Always → set priority high"


def test_every_type_has_words_and_every_shipped_rule_reads_without_its_type_names() -> None:
    assert set(CONDITION_WORDS) == set(CONDITION_PARAMS) and set(ACTION_WORDS) == set(ACTION_PARAMS)
    params = {p for table in (CONDITION_PARAMS, ACTION_PARAMS) for kinds in table.values() for p in kinds}
    assert params <= set(PARAM_WORDS)
    for rule in DEFAULT_RULES:
        sentence = rule_sentence(rule["conditions"], rule["actions"])
        assert not any(kind in sentence for kind in [*CONDITION_PARAMS, *ACTION_PARAMS]), sentence


@pytest.mark.parametrize("stored", [None, "junk", {"items": "no"}, {"match": "all", "items": [3]}])
def test_a_stored_rule_that_does_not_parse_still_reads(stored) -> None:
    assert isinstance(rule_sentence(stored, [{"type": "add_tag"}, 5]), str)


def _errors(parse, raw) -> dict[str, str]:
    with pytest.raises(RuleError) as raised:
        parse(raw)
    return raised.value.errors


@pytest.mark.parametrize(
    ("parse", "raw", "section", "index", "param", "message"),
    [
        (
            parse_actions,
            [{"type": "add_tag", "tag": "x"}, {"type": "handoff", "trigger": "t"}],
            "actions",
            1,
            "queue",
            "choose a queue",
        ),
        (parse_actions, [{"type": "handoff", "queue": "Tech"}], "actions", 0, "trigger", "choose a trigger"),
        (
            parse_actions,
            [{"type": "set_priority", "priority": "asap"}],
            "actions",
            0,
            "priority",
            "the priority must be one of low, normal, high, urgent",
        ),
        (parse_actions, [{"type": "nope"}], "actions", 0, "type", "choose what to do"),
        (
            parse_conditions,
            {"items": [{"type": "tier_in", "tiers": []}]},
            "conditions",
            0,
            "tiers",
            "choose at least one tier",
        ),
        (
            parse_conditions,
            {"items": [{"type": "intent_in", "intents": []}]},
            "conditions",
            0,
            "intents",
            "choose at least one intent",
        ),
        (parse_conditions, {"items": [{"type": "x"}]}, "conditions", 0, "type", "choose what to check"),
        (
            parse_conditions,
            {"items": [{"type": "sentiment_below", "value": 4}]},
            "conditions",
            0,
            "value",
            "the value must be a number from -1 to 1",
        ),
    ],
)
def test_a_schema_error_lands_on_its_row_in_words(parse, raw, section, index, param, message) -> None:
    ((where, problem),) = _errors(parse, raw).items()
    found = locate(where, problem)
    assert found is not None
    assert (found.section, found.index, found.param, found.message) == (section, index, param, message)
    assert "[" not in found.message and "." not in found.message


def test_an_error_of_no_row_is_left_to_the_caller() -> None:
    ((where, problem),) = _errors(parse_actions, []).items()
    assert locate(where, problem) is None


def test_the_diff_names_what_changed_in_words() -> None:
    before = {
        "name": "VIPs",
        "description": "",
        "order": 15,
        "enabled": True,
        "stage": "on_message",
        "stop_after": False,
        "conditions": {"match": "all", "items": [{"type": "tier_in", "tiers": ["vip"]}]},
        "actions": [{"type": "set_priority", "priority": "high"}],
    }
    after = {
        **before,
        "enabled": False,
        "conditions": {
            "match": "any",
            "items": [{"type": "tier_in", "tiers": ["vip"]}, {"type": "bot_failures_at_least", "count": 2}],
        },
        "actions": [{"type": "set_priority", "priority": "urgent"}],
    }
    assert rule_diff(before, after) == [
        FieldDiff("Enabled", (DiffLine("-", "yes"), DiffLine("+", "no"))),
        FieldDiff("When", (DiffLine("-", "all of these"), DiffLine("+", "any of these"))),
        FieldDiff(
            "Conditions",
            (DiffLine(" ", "the customer is VIP"), DiffLine("+", "the bot failed 2 or more times")),
        ),
        FieldDiff("Actions", (DiffLine("-", "set priority high"), DiffLine("+", "set priority urgent"))),
    ]
    assert rule_diff(before, before) == []
    created = rule_diff(None, before)
    assert [d.label for d in created] == [
        "Name",
        "Runs",
        "Order",
        "Enabled",
        "Stops later rules",
        "Conditions",
        "Actions",
    ]
    assert all(line.mark == "+" for d in created for line in d.lines)
    assert all(line.mark == "-" for d in rule_diff(before, None) for line in d.lines)
