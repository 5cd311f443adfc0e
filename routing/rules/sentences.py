"""Rules in words: the sentence a rule reads as, a schema error in words on the row that made
it, and the difference between two versions of a rule.

Pure Python over the stored JSON (the shape `schema.py` parses). Stored rules are read as
they are, even ones that no longer parse (an import from an older version, a hand edit): a
sentence never raises, it falls back to the type's own name.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from .schema import INTENT_QUEUE

TIER_WORDS = {"standard": "standard", "vip": "VIP", "enterprise": "enterprise"}

# The triggers a rule's handoff may be recorded with, in words. The same ids as
# analytics/labels.py TRIGGERS (which sits above routing and may import these, not the other
# way round); the ones only a flow, the customer's button or the fail-open bound record are
# left out: a rule does not hand over for those reasons.
TRIGGER_WORDS: dict[str, str] = {
    "explicit_request": "asked for a person",
    "negative_sentiment": "frustration or negative sentiment",
    "low_confidence": "bot unsure of the request",
    "topic_rule": "topic for a team",
    "customer_tier": "customer tier",
    "repeat_contact": "contacted us repeatedly",
    "bot_failure": "bot could not handle it",
    "agent_transfer": "passed on by an agent",
    "stale_article": "article past its review",
}

# What each condition asks, as the type's choice label in the builder.
CONDITION_WORDS: dict[str, str] = {
    "intent_in": "the request is about",
    "intent_not_in": "the request is not about",
    "confidence_below": "the bot's confidence is below (0 to 1)",
    "confidence_above": "the bot's confidence is above (0 to 1)",
    "sentiment_is": "the message reads as",
    "sentiment_below": "the sentiment score is below (-1 to 1)",
    "sentiment_above": "the sentiment score is above (-1 to 1)",
    "negative_streak_at_least": "negative messages in a row, at least",
    "frustration_at_least": "frustration is at least (0 to 1)",
    "emotion_at_least": "an emotion is at least (0 to 1)",
    "frustration_rising": "frustration rises",
    "tier_in": "the customer is",
    "recent_conversations_at_least": "the customer's recent conversations, at least",
    "text_contains": "the message contains",
    "text_matches": "the message matches a pattern",
    "bot_failures_at_least": "the bot failed, at least",
    "channel_is": "the channel is",
    "page_url_contains": "the page address contains",
    "business_hours": "business hours",
    "queue_wait_longer_than": "the wait is longer than (seconds)",
}

ACTION_WORDS: dict[str, str] = {
    "handoff": "hand over to a person",
    "set_priority": "set the priority",
    "add_tag": "add a tag",
    "notify_supervisors": "alert the supervisors",
}

# Each parameter: what to ask for when it is missing, and how to name it in any other problem.
PARAM_WORDS: dict[str, tuple[str, str]] = {
    "intents": ("choose at least one intent", "the intents"),
    "value": ("enter a value", "the value"),
    "label": ("choose a sentiment", "the sentiment"),
    "count": ("enter a count", "the count"),
    "emotion": ("choose an emotion", "the emotion"),
    "turns": ("enter over how many messages", "the number of messages"),
    "by": ("enter how much it rises", "the rise"),
    "tiers": ("choose at least one tier", "the tiers"),
    "days": ("enter a number of days", "the number of days"),
    "words": ("enter at least one word or phrase", "the words"),
    "pattern": ("enter a pattern", "the pattern"),
    "channel": ("choose a channel", "the channel"),
    "text": ("enter the text", "the text"),
    "inside": ("choose inside or outside", "business hours"),
    "seconds": ("enter a number of seconds", "the seconds"),
    "queue": ("choose a queue", "the queue"),
    "trigger": ("choose a trigger", "the trigger"),
    "priority": ("choose a priority", "the priority"),
    "tag": ("enter a tag", "the tag"),
    "message": ("enter a message", "the message"),
}


def _quoted(values: Any) -> str:
    items = values if isinstance(values, list) else [values]
    return " or ".join(f"“{v}”" for v in items)


def _either(values: Any, words: dict[str, str] | None = None) -> str:
    items = values if isinstance(values, list) else [values]
    named = [(words or {}).get(str(v), str(v).replace("_", " ")) for v in items]
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} or {named[-1]}"


def condition_phrase(item: dict) -> str:
    """One condition in words: {"type": "tier_in", "tiers": ["vip"]} -> "the customer is VIP"."""
    if not isinstance(item, dict):
        return str(item)
    kind = item.get("type")
    p = item
    phrases = {
        "intent_in": lambda: f"the request is about {_either(p.get('intents'))}",
        "intent_not_in": lambda: f"the request is not about {_either(p.get('intents'))}",
        "confidence_below": lambda: f"the bot's confidence is below {p.get('value')}",
        "confidence_above": lambda: f"the bot's confidence is above {p.get('value')}",
        "sentiment_is": lambda: f"the message reads as {p.get('label')}",
        "sentiment_below": lambda: f"the sentiment score is below {p.get('value')}",
        "sentiment_above": lambda: f"the sentiment score is above {p.get('value')}",
        "negative_streak_at_least": lambda: f"{p.get('count')} or more negative messages in a row",
        "frustration_at_least": lambda: f"frustration is at least {p.get('value')}",
        "emotion_at_least": lambda: f"{p.get('emotion')} is at least {p.get('value')}",
        "frustration_rising": lambda: (
            f"frustration rose by {p.get('by')} or more over the last {p.get('turns')} messages"
        ),
        "tier_in": lambda: f"the customer is {_either(p.get('tiers'), TIER_WORDS)}",
        "recent_conversations_at_least": lambda: (
            f"the customer had {p.get('count')} or more conversations in {p.get('days')} days"
        ),
        "text_contains": lambda: f"the message contains {_quoted(p.get('words'))}",
        "text_matches": lambda: f"the message matches the pattern {_quoted(p.get('pattern'))}",
        "bot_failures_at_least": lambda: f"the bot failed {p.get('count')} or more times",
        "channel_is": lambda: f"the channel is {p.get('channel')}",
        "page_url_contains": lambda: f"the page address contains {_quoted(p.get('text'))}",
        "business_hours": lambda: f"it is {'inside' if p.get('inside') else 'outside'} business hours",
        "queue_wait_longer_than": lambda: f"the chat has waited longer than {p.get('seconds')} seconds",
    }
    phrase = phrases.get(kind)
    if phrase is None:
        return _fallback(item)
    return phrase()


def action_phrase(action: dict) -> str:
    """One action in words: {"type": "set_priority", "priority": "high"} -> "set priority high"."""
    if not isinstance(action, dict):
        return str(action)
    kind = action.get("type")
    if kind == "handoff":
        queue = action.get("queue")
        where = "the intent's own queue" if queue == INTENT_QUEUE else queue
        words = f"hand over to {where}"
        if action.get("trigger"):
            words += f" ({TRIGGER_WORDS.get(action['trigger'], action['trigger'])})"
        if action.get("priority"):
            words += f", priority {action['priority']}"
        return words
    if kind == "set_priority":
        return f"set priority {action.get('priority')}"
    if kind == "add_tag":
        return f"tag {_quoted(action.get('tag'))}"
    if kind == "notify_supervisors":
        message = action.get("message")
        return f"alert the supervisors: {_quoted(message)}" if message else "alert the supervisors"
    return _fallback(action)


def _fallback(item: dict) -> str:
    params = ", ".join(f"{k} {v}" for k, v in item.items() if k != "type")
    kind = str(item.get("type")).replace("_", " ")
    return f"{kind} ({params})" if params else kind


def conditions_phrase(conditions: Any) -> str:
    if not isinstance(conditions, dict):
        return str(conditions)
    items = conditions.get("items") or []
    if not isinstance(items, list) or not items:
        return "Always"
    joiner = " or " if conditions.get("match") == "any" else " and "
    return "When " + joiner.join(condition_phrase(item) for item in items)


def actions_phrase(actions: Any) -> str:
    if not isinstance(actions, list) or not actions:
        return "do nothing"
    return "; ".join(action_phrase(action) for action in actions)


def rule_sentence(conditions: Any, actions: Any) -> str:
    """The whole rule: "When the customer is VIP or enterprise → set priority high"."""
    return f"{conditions_phrase(conditions)} → {actions_phrase(actions)}"


# --- Errors in words -----------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """A schema complaint placed on a builder row: `section` "conditions" or "actions", the
    item's index among the rule's items, the parameter (None: the row as a whole)."""

    section: str
    index: int
    param: str | None
    message: str


def _split(where: str, prefix: str) -> tuple[int, str | None] | None:
    if not where.startswith(prefix):
        return None
    head, _, rest = where[len(prefix) :].partition("]")
    if not head.isdigit():
        return None
    return int(head), (rest.lstrip(".") or None)


def problem_in_words(param: str | None, problem: str, *, section: str) -> str:
    if param is None or param == "type":
        return "choose what to check" if section == "conditions" else "choose what to do"
    ask, name = PARAM_WORDS.get(param, (f"enter {param}", param))
    if problem == "is required":
        return ask
    if problem == "must be a non-empty list of texts" or problem.startswith("must be a list of "):
        return ask
    if problem == "is not a parameter of this type":
        return f"{name} does not belong to this type"
    return f"{name} {problem}"


def locate(where: str, problem: str) -> RowError | None:
    """A schema error path ("actions[2].queue") as a row error in words ("choose a queue"),
    or None when it belongs to no row ("actions": "a rule needs at least one action")."""
    for section, prefix in (("conditions", "conditions.items["), ("actions", "actions[")):
        found = _split(where, prefix)
        if found is not None:
            index, param = found
            return RowError(section, index, param, problem_in_words(param, problem, section=section))
    return None


def row_label(section: str, number: int) -> str:
    return f"{'Condition' if section == 'conditions' else 'Action'} {number}"


# --- Versions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    mark: str  # " " kept, "-" removed, "+" added
    text: str


@dataclass(frozen=True)
class FieldDiff:
    label: str
    lines: tuple[DiffLine, ...]


SCALARS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("description", "Description"),
    ("stage", "Runs"),
    ("order", "Order"),
    ("enabled", "Enabled"),
    ("stop_after", "Stops later rules"),
)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _lines(before: list[str], after: list[str]) -> tuple[DiffLine, ...]:
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            lines += [DiffLine(" ", text) for text in before[a1:a2]]
            continue
        lines += [DiffLine("-", text) for text in before[a1:a2]]
        lines += [DiffLine("+", text) for text in after[b1:b2]]
    return tuple(lines)


def _match_words(conditions: Any) -> str:
    if not isinstance(conditions, dict) or not conditions.get("items"):
        return "always"
    return "any of these" if conditions.get("match") == "any" else "all of these"


def _condition_lines(rule: dict | None) -> list[str]:
    items = ((rule or {}).get("conditions") or {}).get("items") or []
    return [condition_phrase(item) for item in items] if isinstance(items, list) else []


def _action_lines(rule: dict | None) -> list[str]:
    actions = (rule or {}).get("actions") or []
    return [action_phrase(action) for action in actions] if isinstance(actions, list) else []


def rule_diff(before: dict | None, after: dict | None) -> list[FieldDiff]:
    """What changed between two versions of a rule (either may be None: created, deleted), in
    words: each changed field, and the conditions and actions as phrases, kept ones included
    so the change reads in context."""
    changed: list[FieldDiff] = []
    old, new = before or {}, after or {}
    for key, label in SCALARS:
        a, b = _scalar(old.get(key)) if before else None, _scalar(new.get(key)) if after else None
        if a != b:
            lines = ([DiffLine("-", a)] if a else []) + ([DiffLine("+", b)] if b else [])
            if lines:
                changed.append(FieldDiff(label, tuple(lines)))
    a = _match_words(old.get("conditions")) if before else None
    b = _match_words(new.get("conditions")) if after else None
    if a != b and a is not None and b is not None:
        changed.append(FieldDiff("When", (DiffLine("-", a), DiffLine("+", b))))
    for label, lines_of in (("Conditions", _condition_lines), ("Actions", _action_lines)):
        a_lines, b_lines = lines_of(before), lines_of(after)
        if a_lines != b_lines:
            changed.append(FieldDiff(label, _lines(a_lines, b_lines)))
    return changed
