"""Response patterns by emotion: which one applies and what it does to a reply. No database."""

from __future__ import annotations

import importlib

import pytest

from bots.services.patterns import DEFAULT_PATTERNS, Pattern, adapt, choose

SHIPPED = tuple(
    Pattern(emotion, threshold, opening, offer) for _, emotion, threshold, opening, offer in DEFAULT_PATTERNS
)
PERSON = {"label": "Talk to a person", "value": "agent"}


@pytest.mark.parametrize(
    ("emotions", "frustration", "emotion"),
    [
        ({}, None, None),  # no emotion head: the reply as the flow wrote it
        ({"sadness": 0.1, "confusion": 0.1}, 0.1, None),
        ({"sadness": 0.7, "disappointment": 0.2}, 0.1, "sadness"),
        ({"sadness": 0.28, "disappointment": 0.12}, 0.12, None),
        ({"disappointment": 0.35}, 0.2, "disappointment"),
        ({"confusion": 0.82}, 0.02, "confusion"),
        ({"gratitude": 0.99}, 0.0, "gratitude"),
        ({"relief": 0.7, "gratitude": 0.9}, 0.0, "relief"),
        ({"anger": 0.34, "annoyance": 0.36}, 0.45, "anger"),
        ({"annoyance": 0.4}, 0.5, "annoyance"),
        ({}, 0.56, None),  # a bare "no": the head alone is not enough
        # frustrated and confused: apologised to and offered a person before anything else
        ({"confusion": 0.9, "anger": 0.1}, 0.7, "frustration"),
    ],
)
def test_the_first_pattern_whose_emotion_reads_high_enough_applies(emotions, frustration, emotion) -> None:
    chosen = choose(SHIPPED, emotions, frustration)
    assert (chosen.emotion if chosen else None) == emotion


def test_anger_gets_an_apology_and_a_person_at_once() -> None:
    pattern = choose(SHIPPED, {"anger": 0.6}, 0.7)
    body, options = adapt("What's the order number?", [], pattern)
    assert body.startswith("I'm sorry this has been frustrating.") and body.endswith("What's the order number?")
    assert options == [PERSON]
    # the person is offered once, and not at all when the bot hands over anyway
    assert adapt("What's the order number?", [PERSON], pattern)[1] == [PERSON]
    assert adapt("A person will check it with you.", None, pattern, handing_over=True)[1] is None


def test_one_apology_is_enough_and_the_flow_keeps_its_words() -> None:
    sad = choose(SHIPPED, {"sadness": 0.7}, 0.1)
    flow = "I'm sorry to hear that. What's the order number (like A-1001)?"
    assert adapt(flow, None, sad) == (flow, None)
    assert adapt("What's wrong with the item?", None, sad)[0] == "I'm sorry to hear that. What's wrong with the item?"
    # a thanks that reads unhappy is no occasion for "Happy to help." before the bot's apology
    glad = choose(SHIPPED, {"gratitude": 0.9}, 0.0)
    assert adapt("Sorry about that. Shall I get a person?", None, glad)[0] == "Sorry about that. Shall I get a person?"
    assert adapt("Anything else?", None, glad)[0] == "Happy to help. Anything else?"


def test_a_pattern_without_a_reply_adds_nothing() -> None:
    assert adapt("", None, choose(SHIPPED, {"anger": 0.9}, 0.9)) == ("", None)
    assert adapt("Hello!", None, None) == ("Hello!", None)


def test_the_migration_seeds_the_shipped_patterns_as_they_are() -> None:
    migration = importlib.import_module("bots.migrations.0004_response_patterns")
    assert migration.SHIPPED == DEFAULT_PATTERNS
