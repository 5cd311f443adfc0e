"""Reads for the rule builder: the choices its rows offer."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.infrastructure import events
from helpdesk.models import Channel, Queue

from .models import Rule
from .rules.schema import INTENT_QUEUE
from .rules.sentences import TRIGGER_WORDS


@dataclass(frozen=True)
class BuilderChoices:
    queues: list[tuple[str, str]]
    intents: list[tuple[str, str]]
    triggers: list[tuple[str, str]]
    channels: list[tuple[str, str]]


def _named_in_rules() -> tuple[set[str], set[str], set[str]]:
    """Intents, triggers and channels the stored rules name: a rule keeps its own values as
    choices even when the desk no longer lists them (an intent since deleted, a custom trigger)."""
    intents: set[str] = set()
    triggers: set[str] = set()
    channels: set[str] = set()
    for conditions, actions in Rule.objects.values_list("conditions", "actions"):
        items = conditions.get("items") if isinstance(conditions, dict) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("intents"), list):
                intents.update(str(name) for name in item["intents"])
            if isinstance(item, dict) and item.get("type") == "channel_is" and item.get("channel"):
                channels.add(str(item["channel"]))
        for action in actions if isinstance(actions, list) else []:
            if isinstance(action, dict) and action.get("trigger"):
                triggers.add(str(action["trigger"]))
    return intents, triggers, channels


def rule_builder_choices() -> BuilderChoices:
    # The intents live in bots, above routing: the kernel's "kb.intents" event asks it (the same
    # question the knowledge base's article form asks). Without an answer the rules' own
    # intents are still offered.
    named_intents, named_triggers, named_channels = _named_in_rules()
    known: dict[str, str] = {}
    for answer in events.ask("kb.intents"):
        for name, description in answer or []:
            known[name] = f"{name.replace('_', ' ')} ({description})" if description else name.replace("_", " ")
    for name in named_intents - set(known):
        known[name] = name.replace("_", " ")
    queues = [("", "—"), (INTENT_QUEUE, "the intent's own queue")] + [
        (name, name) for name in Queue.objects.order_by("name").values_list("name", flat=True)
    ]
    triggers = [("", "—")] + [(k, v) for k, v in TRIGGER_WORDS.items()]
    triggers += [(name, name) for name in sorted(named_triggers - set(TRIGGER_WORDS))]
    channels = [("", "—")] + [(value, label) for value, label in Channel.choices]
    channels += [(name, name) for name in sorted(named_channels - set(Channel.values))]
    return BuilderChoices(
        queues=queues,
        intents=sorted(known.items()),
        triggers=triggers,
        channels=channels,
    )
