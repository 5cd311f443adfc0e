"""Names in words for the ids the scorecard counts by: handoff triggers, outcomes, intents.

An id not in these tables (a supervisor's rule may name its own trigger; an intent may have
been deleted since) is shown as it is, never guessed at: it is data, escaped by the templates.
"""

from __future__ import annotations

from collections.abc import Iterable

from bots.models import Intent

# Every trigger a handoff is recorded with: the shipped rules (routing/defaults.py), the flows'
# own handoffs (bots/flows/), the customer's button (helpdesk/consumers/customer.py) and the
# fail-open bound (helpdesk/services/fail_open.py); and the two the spec names that a
# supervisor's rule may use (customer_tier, agent_transfer). docs/metrics.md lists them.
TRIGGERS: dict[str, str] = {
    "explicit_request": "Asked for a person",
    "negative_sentiment": "Frustration or negative sentiment",
    "low_confidence": "Bot unsure of the request",
    "topic_rule": "Topic for a team",
    "customer_tier": "Customer tier",
    "repeat_contact": "Contacted us repeatedly",
    "bot_failure": "Bot could not handle it or did not answer",
    "agent_transfer": "Passed on by an agent",
    "stale_article": "Article past its review",
}

OUTCOMES: dict[str, str] = {
    "contained": "Resolved by the bot",
    "handed_off_resolved": "Handed off, then resolved",
    "abandoned_in_bot": "Left while with the bot",
    "abandoned_in_queue": "Left while waiting for a person",
    "abandoned_with_agent": "Left while with an agent",
}


def trigger_label(trigger: str) -> str:
    return TRIGGERS.get(trigger, trigger)


def outcome_label(outcome: str) -> str:
    return OUTCOMES.get(outcome, outcome)


def intent_labels(names: Iterable[str]) -> dict[str, tuple[str, str]]:
    """name -> (name in words, what it covers), from the intents' own descriptions (one query).
    An intent the model no longer knows keeps its id as its name."""
    wanted = {name for name in names if name}
    known = dict(Intent.objects.filter(name__in=wanted).values_list("name", "description"))
    return {
        name: (name.replace("_", " ").capitalize(), known[name]) if name in known else (name, "") for name in wanted
    }
