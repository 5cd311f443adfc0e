"""Conditions on frustration, each emotion and the frustration's course: schemas, engine, rows.
No database."""

from __future__ import annotations

import pytest

from bots.ml.emotions import EMOTIONS as MODEL_EMOTIONS
from routing.defaults import DEFAULT_RULES
from routing.forms import ConditionRowForm, condition_initial
from routing.rules.engine import Facts, evaluate
from routing.rules.loader import compile_rule
from routing.rules.schema import EMOTIONS, RuleError, parse_conditions
from routing.selectors import BuilderChoices

CHOICES = BuilderChoices(queues=[], intents=[], triggers=[], channels=[])


def rule(*items: dict, match: str = "all"):
    return compile_rule(
        {
            "name": "r",
            "order": 1,
            "stage": "on_message",
            "stop_after": False,
            "conditions": {"match": match, "items": list(items)},
            "actions": [{"type": "handoff", "queue": "General", "trigger": "negative_sentiment"}],
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
        ({"type": "frustration_rising", "turns": 2, "by": 0.1}, {"frustration_course": (0.9, 0.5)}, False, "+0.00"),
        ({"type": "frustration_rising", "turns": 3, "by": 0.1}, {"frustration_course": (0.1, 0.5)}, False, "2 of 3"),
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


def builder_row(**fields: str) -> dict | None:
    """A rule builder's condition row as posted, compiled to its stored JSON."""
    form = ConditionRowForm(data={f"when-0-{k}": v for k, v in fields.items()}, prefix="when-0", choices=CHOICES)
    assert form.is_valid(), form.errors
    return form.item()


@pytest.mark.parametrize(
    "item",
    [
        {"type": "frustration_at_least", "value": 0.5},
        {"type": "emotion_at_least", "emotion": "anger", "value": 0.4},
        {"type": "frustration_rising", "turns": 3, "by": 0.25},
    ],
)
def test_the_builder_rows_write_and_read_the_new_conditions(item) -> None:
    shown = {name: str(value) for name, value in condition_initial(item).items()}
    assert builder_row(**shown) == item
    parse_conditions({"match": "all", "items": [item]})


def test_a_half_filled_row_becomes_a_field_error_not_a_crash() -> None:
    with pytest.raises(RuleError) as error:
        parse_conditions({"match": "all", "items": [builder_row(type="frustration_rising", by="0.25")]})
    assert "conditions.items[0].turns" in error.value.errors


def test_the_migration_adds_the_shipped_frustration_rules_as_they_are() -> None:
    import importlib

    migration = importlib.import_module("routing.migrations.0003_frustration_rules")
    later = importlib.import_module("routing.migrations.0004_anger_in_more_words")
    renamed = importlib.import_module("routing.migrations.0005_triggers_as_the_spec_names_them")
    shipped = {rule["name"]: rule for rule in DEFAULT_RULES}
    for added in migration.ADDED:
        added = later.AFTER if added["name"] == later.NAME else added  # 0004 changed its words
        added = {**added, "actions": renamed._renamed(added["actions"], renamed.OLD, renamed.NEW)}  # 0005
        assert {key: added[key] for key in shipped[added["name"]]} == shipped[added["name"]]
    assert migration.RETIRED["name"] not in shipped


SHIPPED = [compile_rule({**r, "enabled": True}) for r in DEFAULT_RULES]


@pytest.mark.parametrize(
    ("text", "frustration", "annoyance", "trigger"),
    [
        # calm reports of a problem: sad words, strongly negative sentiment, low frustration
        ("my package arrived damaged, the lamp shade is cracked", 0.12, 0.05, None),
        ("unfortunately the lamp is broken", 0.10, 0.05, None),
        ("please cancel my order from this morning, I ordered by mistake", 0.23, 0.05, None),
        ("I want to return my shoes, they do not fit", 0.47, 0.05, None),
        ("I'm afraid the blender I received doesn't turn on", 0.20, 0.05, None),
        ("can I send it again to the right address?", 0.05, 0.05, None),
        ("I want to dispute a charge", 0.1, 0.05, None),  # a billing question: the topic rules' to decide
        # anger, threats, the same failure again: handed over whatever the head says
        ("THIS IS THE THIRD TIME, your useless company sent me a broken lamp again", 0.37, 0.05, "negative_sentiment"),
        ("are you kidding me? broken again?!", 0.19, 0.05, "negative_sentiment"),
        ("how many times do I have to explain this", 0.04, 0.05, "negative_sentiment"),
        ("I want to file a formal complaint", 0.38, 0.05, "negative_sentiment"),
        ("I'll do a chargeback", 0.01, 0.05, "negative_sentiment"),
        ("I'm going to sue you", 0.17, 0.05, "negative_sentiment"),
        ("cancel my account if this isn't fixed today", 0.18, 0.05, "negative_sentiment"),
        ("worst shop ever, never order again", 0.39, 0.05, "negative_sentiment"),
        ("I'll be contacting my lawyer about this", 0.01, 0.05, "negative_sentiment"),
        ("the case doesn't fit and nothing works", 0.6, 0.3, "negative_sentiment"),
        # swearing, ultimatums, demands, long holds beside a problem the head reads calm
        ("wtf, the mixer is dead on arrival", 0.13, 0.05, "negative_sentiment"),
        ("the tracking has not moved in a week, sort it out", 0.3, 0.05, "negative_sentiment"),
        ("I expect a full refund today, the kettle leaks", 0.2, 0.05, "negative_sentiment"),
        ("I have been on hold for 45 minutes about a cracked screen", 0.3, 0.05, "negative_sentiment"),
        ("the mixer is dead on arrival, can you replace it?", 0.13, 0.05, None),
        ("I was told to hold the item until the courier comes", 0.05, 0.05, None),
        ("that was the last time I heard from the courier", 0.1, 0.05, None),
        ("my order has been on hold for 2 hours, why?", 0.2, 0.05, None),
        ("the last time I ordered, the size was different", 0.1, 0.05, None),
        # short answers to "did that help?", as the head (with support-style training) reads them
        ("no", 0.39, 0.0, None),
        ("that did not work", 0.17, 0.066, None),
        # frustration alone hands over: annoyance is not asked for any more
        ("this is getting ridiculous", 0.62, 0.02, "negative_sentiment"),
    ],
)
def test_the_shipped_rules_hand_over_frustration_not_sad_words(text, frustration, annoyance, trigger) -> None:
    facts = Facts(
        text=text,
        intent="damaged_item",
        intent_confidence=0.9,
        intent_queue="Returns",
        sentiment="negative",
        sentiment_score=-0.95,
        negative_streak=2,
        frustration=frustration,
        emotions={"annoyance": annoyance, "sadness": 0.7},
        frustration_course=(frustration,),
        conversation_ages_days=(0.0,),
    )
    decision = evaluate(SHIPPED, facts, stage="on_message")
    assert decision.trigger == trigger
    assert decision.handoff_queue == ("Returns" if trigger else None)
