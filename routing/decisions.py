"""Where the supervisors' rules decide, and where what they decide is carried out.

`decide` runs the enabled rules of one stage over facts built by `routing.facts.facts_for`;
the live chat, `manage.py triage`, the admin's dry run, the handoff and the periodic sweep all
call it. `carry_out` does what every action means besides the route, the same at every stage:

- handoff: on_message, the bot hands the chat to that queue (bots/services/turns.py); on_handoff,
  the chat goes to that queue instead of the one asked for (routing/subscribers.py); periodic,
  the waiting chat moves to that queue (routing/escalation.py).
- set_priority: raised at once (never lowered), with an event naming the rules.
- add_tag: the conversation is tagged.
- notify_supervisors: an alert on the supervisors' screens.

Periodic rules fire once per conversation each (`RuleFiring`), so a rule that holds for an hour
alerts once, not sixty times.
"""

from __future__ import annotations

import time
import uuid

from helpdesk.infrastructure import realtime
from helpdesk.models import Priority
from helpdesk.services.conversations import conversation_priority_raise, conversation_tags_add

from .rules.engine import Decision, Facts, evaluate
from .rules.loader import active_rules


def decide(facts: Facts, *, stage: str, skip: frozenset[str] = frozenset()) -> Decision:
    return evaluate(active_rules(), facts, stage=stage, skip=skip)


def has_rules(stage: str) -> bool:
    """Whether any enabled rule runs at `stage` (from the per-process cache: no query), so a
    sweep over every waiting chat gathers facts only when a rule could use them."""
    return any(rule.stage == stage for rule in active_rules())


def stage_asks(stage: str, condition_type: str) -> bool:
    """Whether any enabled rule of `stage` has a condition of `condition_type` (from the
    per-process cache: no query), so the facts no rule reads are not looked up."""
    return any(
        rule.stage == stage and any(condition.type == condition_type for condition in rule.conditions.items)
        for rule in active_rules()
    )


def decide_traced(facts: Facts, *, stage: str) -> tuple[Decision, float]:
    """For the dry run and the benchmark: the decision with every rule's verdict, and its time."""
    started = time.perf_counter()
    decision = decide(facts, stage=stage)
    return decision, (time.perf_counter() - started) * 1000


def priority_of(decision: Decision) -> int | None:
    return Priority[decision.priority.upper()] if decision.priority else None


def carry_out(decision: Decision, *, conversation_id: uuid.UUID | str, stage: str) -> None:
    """Priority, tags and alerts (the route is the caller's: it differs by stage)."""
    priority = priority_of(decision)
    if priority is not None:
        rules = ", ".join(decision.matched)
        conversation_priority_raise(
            conversation_id=conversation_id, priority=priority, actor_type="system", reason=f"{stage}: {rules}"
        )
    if decision.tags:
        conversation_tags_add(conversation_id=conversation_id, tags=decision.tags)
    for text in decision.notify:
        realtime.alert_supervisors(
            text or "A routing rule asked for your attention.", {"conversation_id": str(conversation_id)}
        )
