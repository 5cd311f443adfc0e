"""The rule set the product ships with: the hybrid model in rules a supervisor can read."""

from __future__ import annotations

EXPLICIT = (
    r"\b(agent|human|person|representative|operator|real person|live (chat|support|agent)|"
    r"talk to (a|an|some)one|speak (to|with) (a|an|some)one|customer service)\b"
)


def _handoff(queue: str, trigger: str, priority: str | None = None) -> dict:
    action = {"type": "handoff", "queue": queue, "trigger": trigger}
    if priority:
        action["priority"] = priority
    return action


DEFAULT_RULES: list[dict] = [
    {
        "name": "Fraud and hacked accounts are urgent",
        "order": 10,
        "stage": "on_message",
        "conditions": {"match": "all", "items": [{"type": "intent_in", "intents": ["security_fraud"]}]},
        "actions": [_handoff("Security", "topic_rule", "urgent")],
        "stop_after": True,
    },
    {
        "name": "A plain request for a person",
        "order": 20,
        "stage": "on_message",
        "conditions": {
            "match": "any",
            "items": [
                {"type": "intent_in", "intents": ["talk_to_human"]},
                {"type": "text_matches", "pattern": EXPLICIT},
            ],
        },
        "actions": [_handoff("intent", "explicit_request")],
        "stop_after": True,
    },
    {
        "name": "Repeat contact skips the bot",
        "order": 30,
        "stage": "on_message",
        "conditions": {"match": "all", "items": [{"type": "recent_conversations_at_least", "days": 7, "count": 3}]},
        "actions": [_handoff("intent", "repeat_contact")],
        "stop_after": True,
    },
    {
        "name": "Topics that need a human",
        "order": 40,
        "stage": "on_message",
        "conditions": {
            "match": "all",
            "items": [
                {
                    "type": "intent_in",
                    "intents": ["billing_dispute", "cancel_subscription", "complaint", "legal_privacy"],
                }
            ],
        },
        "actions": [_handoff("intent", "topic_rule")],
        "stop_after": True,
    },
    {
        "name": "Strongly negative, or negative twice in a row",
        "order": 50,
        "stage": "on_message",
        "conditions": {
            "match": "any",
            "items": [
                {"type": "sentiment_below", "value": -0.85},
                {"type": "negative_streak_at_least", "count": 2},
            ],
        },
        "actions": [_handoff("intent", "negative_sentiment")],
        "stop_after": True,
    },
    {
        "name": "Three turns the bot could not handle",
        "order": 60,
        "stage": "on_message",
        "conditions": {"match": "all", "items": [{"type": "bot_failures_at_least", "count": 3}]},
        "actions": [_handoff("General", "bot_failure")],
        "stop_after": True,
    },
    {
        "name": "Repeated low confidence",
        "order": 55,
        "stage": "on_message",
        "conditions": {
            "match": "all",
            "items": [{"type": "confidence_below", "value": 0.35}, {"type": "bot_failures_at_least", "count": 2}],
        },
        "actions": [_handoff("General", "low_confidence")],
        "stop_after": True,
    },
    {
        "name": "VIP and enterprise customers first",
        "order": 10,
        "stage": "on_handoff",
        "conditions": {"match": "all", "items": [{"type": "tier_in", "tiers": ["vip", "enterprise"]}]},
        "actions": [{"type": "set_priority", "priority": "high"}],
        "stop_after": False,
    },
]
