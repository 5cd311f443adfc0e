"""The bot's one question to the supervisors' rules: keep this conversation, or hand it over?

Asked the same way by the live turn (bots/services/turns.py), `manage.py triage` and the
admin's dry run (bots/dry_run.py): the model's reading becomes routing's `MessageReading`,
`routing.facts.facts_for` adds what the desk knows, `routing.decisions.decide` runs the
on_message rules.
"""

from __future__ import annotations

from dataclasses import replace

from helpdesk.models import Conversation
from routing.decisions import decide, decide_traced
from routing.facts import Assumed, MessageReading, facts_for
from routing.rules.engine import Decision, Facts

from .. import runtime
from ..ml.classifier import Prediction
from ..models import MessagePrediction

ON_MESSAGE = "on_message"
# Handoffs that stop a flow under way: a customer who asks for a person, threatens to leave or
# is getting angrier is not asked for an order number again. Other rules wait for the flow
# (an order number is no new question for the topic rules).
INTERRUPTING = frozenset({"explicit_request", "negative_sentiment"})


def message_reading(text: str, prediction: Prediction, loaded: runtime.Loaded) -> MessageReading:
    intent = prediction.intent.intent
    return MessageReading(
        text=text,
        intent=intent,
        intent_confidence=prediction.intent.confidence,
        intent_queue=loaded.queues.get(intent),
        sentiment=prediction.sentiment.label,
        sentiment_score=prediction.sentiment.score,
        emotions=prediction.emotions.emotions if prediction.emotions else {},
        frustration=prediction.emotions.frustration if prediction.emotions else None,
    )


def stored_reading(text: str, prediction: MessagePrediction, loaded: runtime.Loaded) -> MessageReading:
    """The same, from a reading the live turn stored (or is about to store)."""
    return MessageReading(
        text=text,
        intent=prediction.intent,
        intent_confidence=prediction.intent_confidence,
        intent_queue=loaded.queues.get(prediction.intent),
        sentiment=prediction.sentiment,
        sentiment_score=prediction.sentiment_score,
        emotions=prediction.emotions or {},
        frustration=prediction.frustration,
    )


def message_facts(
    reading: MessageReading,
    *,
    conversation: Conversation | None = None,
    message_id: int | None = None,
    assumed: Assumed | None = None,
    earlier: list[tuple[str, dict]] | None = None,
) -> Facts:
    """A message the bot could not place counts as a failed turn before the rules see it
    (so "three turns the bot could not handle" hands over on the third). The live turn counts
    it on the conversation; an imagined customer counts it here. `earlier`: the messages before
    this one, as the live turn read them with it (routing.facts.earlier_readings_column)."""
    if conversation is None and reading.intent == "out_of_scope":
        assumed = assumed or Assumed()
        assumed = replace(assumed, bot_failures=assumed.bot_failures + 1)
    return facts_for(
        conversation=conversation,
        reading=reading,
        message_id=message_id,
        assumed=assumed,
        stage=ON_MESSAGE,
        earlier=earlier,
    )


def decide_on_message(
    reading: MessageReading,
    *,
    conversation: Conversation | None = None,
    message_id: int | None = None,
    assumed: Assumed | None = None,
) -> Decision:
    return decide_on_facts(message_facts(reading, conversation=conversation, message_id=message_id, assumed=assumed))


def decide_on_facts(facts: Facts) -> Decision:
    """The on_message rules on facts already gathered (the live turn gathers them once)."""
    return decide(facts, stage=ON_MESSAGE)


def flow_interrupted(facts: Facts) -> bool:
    """Whether the rules take a message away from the flow under way (the turn then decides on
    it as on any message, and hands over). A button the flow offered ("No", "None of these")
    is not asked about: it is an answer, not a feeling (bots/services/turns.py)."""
    decision = decide_on_facts(facts)
    return decision.route == "human" and decision.trigger in INTERRUPTING


def decide_on_message_traced(reading: MessageReading, *, assumed: Assumed) -> tuple[Facts, Decision, float]:
    """The dry run's view: the facts, every rule's verdict and the time the rules took."""
    facts = message_facts(reading, assumed=assumed)
    decision, took_ms = decide_traced(facts, stage=ON_MESSAGE)
    return facts, decision, took_ms
