"""The typed shape of a rule's conditions and actions.

One parser for everyone: the Rule model's clean(), the admin form and the engine all read rule
JSON through `parse_conditions` / `parse_actions`, so a supervisor's mistake becomes a
field-level error ("conditions[1].value: must be a number from -1 to 1"), never a 500, and a
rule that does not parse never reaches the engine. Pure Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

PRIORITIES = ("low", "normal", "high", "urgent")
TIERS = ("standard", "vip", "enterprise")
SENTIMENTS = ("negative", "neutral", "positive")
# The model's emotion heads (bots/ml/emotions.py EMOTIONS, which routing may not import: it sits
# below bots). tests/unit/test_frustration_rules.py holds the two lists equal.
EMOTIONS = ("anger", "annoyance", "confusion", "disappointment", "fear", "gratitude", "joy", "relief", "sadness")
# How far back `frustration_rising` may look, in customer messages (this one included); the
# facts carry no more than this.
MAX_TURNS = 10


class RuleError(ValueError):
    """Field-level problems: {"conditions[0].value": "must be a number", ...}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Condition:
    type: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Conditions:
    match: str  # "all" | "any"
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Action:
    type: str
    params: dict[str, Any]


# type -> {param: kind}; kinds: number, unit (0..1), score (-1..1), count, seconds, turns
# (2..MAX_TURNS), strings, string, tiers, sentiment, emotion, regex, bool, priority, queue, trigger
CONDITION_PARAMS: dict[str, dict[str, str]] = {
    "intent_in": {"intents": "strings"},
    "intent_not_in": {"intents": "strings"},
    "confidence_below": {"value": "unit"},
    "confidence_above": {"value": "unit"},
    "sentiment_is": {"label": "sentiment"},
    "sentiment_below": {"value": "score"},
    "sentiment_above": {"value": "score"},
    "negative_streak_at_least": {"count": "count"},
    "frustration_at_least": {"value": "unit"},
    "emotion_at_least": {"emotion": "emotion", "value": "unit"},
    "frustration_rising": {"turns": "turns", "by": "unit"},
    "tier_in": {"tiers": "tiers"},
    "recent_conversations_at_least": {"days": "count", "count": "count"},
    "text_contains": {"words": "strings"},
    "text_matches": {"pattern": "regex"},
    "bot_failures_at_least": {"count": "count"},
    "channel_is": {"channel": "string"},
    "page_url_contains": {"text": "string"},
    "business_hours": {"inside": "bool"},
    "queue_wait_longer_than": {"seconds": "seconds"},
}

ACTION_PARAMS: dict[str, dict[str, str]] = {
    "handoff": {"queue": "queue", "trigger": "trigger", "priority": "priority?"},
    "set_priority": {"priority": "priority"},
    "add_tag": {"tag": "string"},
    "notify_supervisors": {"message": "string?"},
}
# What each action does at each stage is executed in one place, routing/decisions.py; a test
# per type proves it (tests/test_rule_actions.py).

# "intent" as a queue means the predicted intent's default queue (General when it has none).
INTENT_QUEUE = "intent"


def _check(kind: str, value: Any) -> str | None:
    """An error message, or None when `value` is a valid `kind`."""
    optional = kind.endswith("?")
    kind = kind.rstrip("?")
    if value is None:
        return None if optional else "is required"
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "unit":
        return None if number and 0 <= value <= 1 else "must be a number from 0 to 1"
    if kind == "score":
        return None if number and -1 <= value <= 1 else "must be a number from -1 to 1"
    if kind in ("count", "seconds"):
        return (
            None
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0
            else ("must be a whole number, 0 or more")
        )
    if kind == "turns":
        whole = isinstance(value, int) and not isinstance(value, bool)
        return None if whole and 2 <= value <= MAX_TURNS else f"must be a whole number from 2 to {MAX_TURNS}"
    if kind == "emotion":
        return None if value in EMOTIONS else f"must be one of {', '.join(EMOTIONS)}"
    if kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if kind in ("string", "queue", "trigger"):
        return None if isinstance(value, str) and value.strip() and len(value) <= 200 else "must be non-empty text"
    if kind == "strings":
        ok = isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value)
        return None if ok else "must be a non-empty list of texts"
    if kind == "tiers":
        ok = isinstance(value, list) and value and all(v in TIERS for v in value)
        return None if ok else f"must be a list of {', '.join(TIERS)}"
    if kind == "sentiment":
        return None if value in SENTIMENTS else f"must be one of {', '.join(SENTIMENTS)}"
    if kind == "priority":
        return None if value in PRIORITIES else f"must be one of {', '.join(PRIORITIES)}"
    if kind == "regex":
        if not isinstance(value, str) or not value:
            return "must be a regular expression"
        try:
            re.compile(value)
        except re.error as error:
            return f"is not a valid regular expression ({error})"
        return None
    return f"unknown kind {kind}"


def _parse_items(raw: Any, where: str, table: dict[str, dict[str, str]], errors: dict[str, str]) -> list:
    if not isinstance(raw, list):
        errors[where] = "must be a list"
        return []
    parsed = []
    for index, item in enumerate(raw):
        path = f"{where}[{index}]"
        if not isinstance(item, dict):
            errors[path] = "must be an object with a 'type'"
            continue
        kind = item.get("type")
        if kind not in table:
            errors[f"{path}.type"] = f"unknown type {kind!r}; one of {', '.join(sorted(table))}"
            continue
        params = {k: v for k, v in item.items() if k != "type"}
        for name in sorted(set(params) - set(table[kind])):
            errors[f"{path}.{name}"] = "is not a parameter of this type"
        for name, param_kind in table[kind].items():
            problem = _check(param_kind, params.get(name))
            if problem:
                errors[f"{path}.{name}"] = problem
        parsed.append((kind, params))
    return parsed


def parse_conditions(raw: Any) -> Conditions:
    """`{"match": "all"|"any", "items": [{"type": ..., ...}, ...]}`; an empty list always matches."""
    errors: dict[str, str] = {}
    if not isinstance(raw, dict):
        raise RuleError({"conditions": 'must be an object like {"match": "all", "items": [...]}'})
    match = raw.get("match", "all")
    if match not in ("all", "any"):
        errors["conditions.match"] = "must be 'all' or 'any'"
    for name in sorted(set(raw) - {"match", "items"}):
        errors[f"conditions.{name}"] = "is not a field of conditions"
    items = _parse_items(raw.get("items", []), "conditions.items", CONDITION_PARAMS, errors)
    if errors:
        raise RuleError(errors)
    return Conditions(match=match, items=tuple(Condition(k, p) for k, p in items))


def parse_actions(raw: Any) -> tuple[Action, ...]:
    errors: dict[str, str] = {}
    items = _parse_items(raw, "actions", ACTION_PARAMS, errors)
    if not errors and not items:
        errors["actions"] = "a rule needs at least one action"
    if errors:
        raise RuleError(errors)
    return tuple(Action(k, p) for k, p in items)
