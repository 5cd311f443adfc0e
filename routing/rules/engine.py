"""The rule engine: a pure function of typed facts and parsed rules.

Rules run in order; each one whose conditions hold applies its actions. The first handoff
decides the queue and the trigger; the highest priority any matching rule sets wins; tags
and notifications add up; a matching rule marked "stop" ends the run. Every rule's verdict
comes back with its reasons, which the admin's dry run shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .schema import INTENT_QUEUE, PRIORITIES, Action, Condition, Conditions


@dataclass(frozen=True)
class Facts:
    """What the rules may ask about a conversation at one stage. Built in one place for every
    stage, `routing.facts.facts_for`, from whatever the stage knows: on a message, its reading;
    at the handoff and while waiting, the conversation's latest reading and its wait."""

    text: str = ""
    intent: str = ""
    intent_confidence: float = 0.0
    intent_queue: str | None = None
    sentiment: str = "neutral"
    sentiment_score: float = 0.0
    negative_streak: int = 0
    emotions: Mapping[str, float] = field(default_factory=dict)  # each emotion's probability, 0..1
    frustration: float | None = None  # 0..1; None: no emotion head read this message
    # The frustration of the conversation's last customer messages, oldest first, ending with
    # the one decided on (those no emotion head read are left out).
    frustration_course: tuple[float, ...] = ()
    tier: str = "standard"
    conversation_ages_days: tuple[float, ...] = ()  # the customer's conversations, this one included
    bot_failures: int = 0
    channel: str = "web"
    page_url: str = ""
    inside_business_hours: bool = True
    queue_wait_seconds: float = 0.0


@dataclass(frozen=True)
class CompiledRule:
    name: str
    order: int
    stage: str
    conditions: Conditions
    actions: tuple[Action, ...]
    stop: bool = False
    patterns: tuple[re.Pattern | None, ...] = ()

    @classmethod
    def build(
        cls,
        *,
        name: str,
        order: int,
        stage: str,
        conditions: Conditions,
        actions: tuple[Action, ...],
        stop: bool = False,
    ) -> CompiledRule:
        patterns = tuple(
            re.compile(c.params["pattern"], re.IGNORECASE) if c.type == "text_matches" else None
            for c in conditions.items
        )
        return cls(name, order, stage, conditions, actions, stop, patterns)


@dataclass(frozen=True)
class RuleTrace:
    rule: str
    matched: bool
    reasons: tuple[str, ...]


@dataclass
class Decision:
    handoff_queue: str | None = None
    trigger: str | None = None
    priority: str | None = None
    tags: list[str] = field(default_factory=list)
    notify: list[str] = field(default_factory=list)
    trace: list[RuleTrace] = field(default_factory=list)

    @property
    def route(self) -> str:
        return "human" if self.handoff_queue else "bot"

    @property
    def matched(self) -> list[str]:
        return [t.rule for t in self.trace if t.matched]


def _holds(condition: Condition, pattern: re.Pattern | None, facts: Facts) -> tuple[bool, str]:
    p = condition.params
    kind = condition.type
    if kind in ("intent_in", "intent_not_in"):
        inside = facts.intent in p["intents"]
        why = f"intent {facts.intent or '—'} {'in' if inside else 'not in'} {p['intents']}"
        return inside == (kind == "intent_in"), why
    if kind == "confidence_below":
        return facts.intent_confidence < p["value"], f"confidence {facts.intent_confidence:.2f} < {p['value']}"
    if kind == "confidence_above":
        return facts.intent_confidence > p["value"], f"confidence {facts.intent_confidence:.2f} > {p['value']}"
    if kind == "sentiment_is":
        return facts.sentiment == p["label"], f"sentiment {facts.sentiment} is {p['label']}"
    if kind == "sentiment_below":
        return facts.sentiment_score < p["value"], f"sentiment score {facts.sentiment_score:.2f} < {p['value']}"
    if kind == "sentiment_above":
        return facts.sentiment_score > p["value"], f"sentiment score {facts.sentiment_score:.2f} > {p['value']}"
    if kind == "negative_streak_at_least":
        return facts.negative_streak >= p["count"], f"{facts.negative_streak} negative in a row >= {p['count']}"
    if kind == "frustration_at_least":
        if facts.frustration is None:
            return False, "frustration not read"
        return facts.frustration >= p["value"], f"frustration {facts.frustration:.2f} >= {p['value']}"
    if kind == "emotion_at_least":
        score = facts.emotions.get(p["emotion"])
        if score is None:
            return False, f"{p['emotion']} not read"
        return score >= p["value"], f"{p['emotion']} {score:.2f} >= {p['value']}"
    if kind == "frustration_rising":
        return _rising(facts.frustration_course, p["turns"], p["by"])
    if kind == "tier_in":
        return facts.tier in p["tiers"], f"tier {facts.tier} in {p['tiers']}"
    if kind == "recent_conversations_at_least":
        n = sum(1 for age in facts.conversation_ages_days if age <= p["days"])
        return n >= p["count"], f"{n} conversations in {p['days']} days >= {p['count']}"
    if kind == "text_contains":
        text = facts.text.lower()
        hit = next((w for w in p["words"] if w.lower() in text), None)
        return hit is not None, f"text contains {hit!r}" if hit else f"text contains none of {p['words']}"
    if kind == "text_matches":
        hit = pattern.search(facts.text) if pattern else None
        return hit is not None, f"text matches /{p['pattern']}/" if hit else f"text does not match /{p['pattern']}/"
    if kind == "bot_failures_at_least":
        return facts.bot_failures >= p["count"], f"{facts.bot_failures} bot failures >= {p['count']}"
    if kind == "channel_is":
        return facts.channel == p["channel"], f"channel {facts.channel} is {p['channel']}"
    if kind == "page_url_contains":
        return p["text"] in facts.page_url, f"page URL contains {p['text']!r}"
    if kind == "business_hours":
        return facts.inside_business_hours == p["inside"], (
            f"{'inside' if facts.inside_business_hours else 'outside'} business hours"
        )
    if kind == "queue_wait_longer_than":
        return facts.queue_wait_seconds > p["seconds"], f"waited {facts.queue_wait_seconds:.0f} s > {p['seconds']} s"
    return False, f"unknown condition {kind}"


def _rising(course: tuple[float, ...], turns: int, by: float) -> tuple[bool, str]:
    """The latest message's frustration at least `by` above the lowest of the `turns - 1`
    customer messages before it: a customer getting angrier, whatever the level. Fewer than
    `turns` readings are no course yet: the head wanders between calm messages, and a greeting
    then a problem is no rise."""
    window = course[-turns:]
    if len(window) < turns:
        return False, f"frustration course too short ({len(window)} of {turns} turns)"
    low, now = min(window[:-1]), window[-1]
    course_text = " → ".join(f"{v:.2f}" for v in window)
    return now - low >= by, f"frustration {course_text}: +{max(now - low, 0):.2f} >= +{by} over {len(window)} turns"


def _matches(rule: CompiledRule, facts: Facts) -> tuple[bool, tuple[str, ...]]:
    items = rule.conditions.items
    if not items:
        return True, ("no conditions",)
    reasons = []
    results = []
    for condition, pattern in zip(items, rule.patterns, strict=True):
        ok, why = _holds(condition, pattern, facts)
        results.append(ok)
        reasons.append(("✓ " if ok else "✗ ") + why)
    return (all(results) if rule.conditions.match == "all" else any(results)), tuple(reasons)


def _apply(action: Action, facts: Facts, decision: Decision) -> None:
    p = action.params
    if action.type == "handoff":
        if decision.handoff_queue is None:
            queue = p["queue"]
            decision.handoff_queue = (facts.intent_queue or "General") if queue == INTENT_QUEUE else queue
            decision.trigger = p["trigger"]
        if p.get("priority"):
            _raise_priority(decision, p["priority"])
    elif action.type == "set_priority":
        _raise_priority(decision, p["priority"])
    elif action.type == "add_tag":
        decision.tags.append(p["tag"])
    elif action.type == "notify_supervisors":
        decision.notify.append(p.get("message") or "")


def _raise_priority(decision: Decision, priority: str) -> None:
    if decision.priority is None or PRIORITIES.index(priority) > PRIORITIES.index(decision.priority):
        decision.priority = priority


def evaluate(
    rules: list[CompiledRule], facts: Facts, *, stage: str, skip: frozenset[str] = frozenset()
) -> Decision:
    """`skip`: rules not to run (the periodic rules that already fired for this conversation)."""
    decision = Decision()
    for rule in rules:
        if rule.stage != stage or rule.name in skip:
            continue
        matched, reasons = _matches(rule, facts)
        decision.trace.append(RuleTrace(rule.name, matched, reasons))
        if not matched:
            continue
        for action in rule.actions:
            _apply(action, facts, decision)
        if rule.stop:
            break
    return decision
