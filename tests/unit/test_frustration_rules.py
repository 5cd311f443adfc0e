"""Conditions on frustration, each emotion and the frustration's course: schemas, engine, rows.
No database."""

from __future__ import annotations

import pytest

from bots.ml.emotions import EMOTIONS as MODEL_EMOTIONS
from routing.forms import condition_from_row, condition_to_row
from routing.rules.engine import Facts, evaluate
from routing.rules.loader import compile_rule
from routing.rules.schema import EMOTIONS, RuleError, parse_conditions


def rule(*items: dict, match: str = "all"):
    return compile_rule(
        {
            "name": "r",
            "order": 1,
            "stage": "on_message",
            "stop_after": False,
            "conditions": {"match": match, "items": list(items)},
            "actions": [{"type": "handoff", "queue": "General", "trigger": "frustration"}],
        }
    )


def holds(item: dict, **facts) -> tuple[bool, str]:
    decision = evaluate([rule(item)], Facts(**facts), stage="on_message")
    (trace,) = decision.trace
    return trace.matched, trace.reasons[0]


def test_routing_names_the_emotions_the_model_reads() -> None:
    # routing sits below bots and keeps its own list: the two must not drift apart.
    assert EMOTIONS == MODEL_EMOTIONS


@pytest.mark.parametrize(
    ("item", "facts", "matched", "why"),
    [
        ({"type": "frustration_at_least", "value": 0.5}, {"frustration": 0.62}, True, "frustration 0.62 >= 0.5"),
        ({"type": "frustration_at_least", "value": 0.5}, {"frustration": 0.5}, True, "0.50 >= 0.5"),
        ({"type": "frustration_at_least", "value": 0.5}, {"frustration": 0.12}, False, "0.12 >= 0.5"),
        ({"type": "frustration_at_least", "value": 0.0}, {"frustration": None}, False, "frustration not read"),
        ({"type": "emotion_at_least", "emotion": "anger", "value": 0.4}, {"emotions": {"anger": 0.7}}, True, "anger"),
        (
            {"type": "emotion_at_least", "emotion": "confusion", "value": 0.4},
            {"emotions": {"anger": 0.9, "confusion": 0.1}},
            False,
            "confusion 0.10 >= 0.4",
        ),
        ({"type": "emotion_at_least", "emotion": "fear", "value": 0.1}, {"emotions": {}}, False, "fear not read"),
        # rising: the latest against the lowest of the turns before it, within the window
        (
            {"type": "frustration_rising", "turns": 3, "by": 0.25},
            {"frustration_course": (0.1, 0.2, 0.4)},
            True,
            "0.10 → 0.20 → 0.40: +0.30",
        ),
        ({"type": "frustration_rising", "turns": 3, "by": 0.25}, {"frustration_course": (0.3, 0.2, 0.4)}, False, ""),
        # the low point outside the window does not count
        ({"type": "frustration_rising", "turns": 2, "by": 0.25}, {"frustration_course": (0.0, 0.3, 0.4)}, False, ""),
        # falling is no rise, however high
        ({"type": "frustration_rising", "turns": 3, "by": 0.1}, {"frustration_course": (0.9, 0.5)}, False, "+0.00"),
        ({"type": "frustration_rising", "turns": 3, "by": 0.1}, {"frustration_course": (0.9,)}, False, "too short"),
        ({"type": "frustration_rising", "turns": 3, "by": 0.1}, {"frustration_course": ()}, False, "too short"),
    ],
)
def test_conditions_on_frustration_and_emotions(item, facts, matched, why) -> None:
    parse_conditions({"match": "all", "items": [item]})
    ok, reason = holds(item, **facts)
    assert ok is matched
    assert why in reason


@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        ({"type": "frustration_at_least", "value": 1.5}, "value", "must be a number from 0 to 1"),
        ({"type": "frustration_at_least"}, "value", "is required"),
        ({"type": "emotion_at_least", "emotion": "rage", "value": 0.5}, "emotion", "must be one of anger, annoyance"),
        ({"type": "emotion_at_least", "emotion": "anger", "value": "high"}, "value", "must be a number from 0 to 1"),
        ({"type": "frustration_rising", "turns": 1, "by": 0.2}, "turns", "must be a whole number from 2 to 10"),
        ({"type": "frustration_rising", "turns": 11, "by": 0.2}, "turns", "must be a whole number from 2 to 10"),
        ({"type": "frustration_rising", "turns": 2.5, "by": 0.2}, "turns", "must be a whole number from 2 to 10"),
        ({"type": "frustration_rising", "turns": 3}, "by", "is required"),
        ({"type": "frustration_rising", "turns": 3, "by": 0.2, "since": 1}, "since", "is not a parameter"),
    ],
)
def test_a_bad_frustration_condition_names_its_field(item, field, message) -> None:
    with pytest.raises(RuleError) as error:
        parse_conditions({"match": "all", "items": [{"type": "intent_in", "intents": ["x"]}, item]})
    assert message in error.value.errors[f"conditions.items[1].{field}"]


@pytest.mark.parametrize(
    ("kind", "row", "item"),
    [
        ("frustration_at_least", "0.5", {"type": "frustration_at_least", "value": 0.5}),
        ("emotion_at_least", "anger 0.4", {"type": "emotion_at_least", "emotion": "anger", "value": 0.4}),
        ("frustration_rising", "0.25 over 3", {"type": "frustration_rising", "by": 0.25, "turns": 3}),
    ],
)
def test_the_guided_rows_write_and_read_the_new_conditions(kind, row, item) -> None:
    assert condition_from_row(kind, row) == item
    assert condition_to_row(item) == (kind, row)
    parse_conditions({"match": "all", "items": [item]})


def test_a_half_filled_row_becomes_a_field_error_not_a_crash() -> None:
    with pytest.raises(RuleError) as error:
        parse_conditions({"match": "all", "items": [condition_from_row("frustration_rising", "0.25")]})
    assert "conditions.items[0].turns" in error.value.errors
