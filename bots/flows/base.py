"""The shape of a bot flow: a small state machine over one conversation.

A flow gets a Context (the message, the model's reading, what was collected, and the outside
world as callables) and answers a Turn: what to say, what it learned, whether it goes on,
hands over, or resolves. What a flow learns about the customer's request goes to
`Turn.collected` (the kernel's documented fields, shown to agents); its own state (step, tries,
notes in `memory`) is the bot's, kept in bots.models.FlowState. Flows are pure: no database,
no socket; tests/unit/test_flow_turns.py and test_flow_conversations.py drive them as tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class LookupUnavailable(Exception):
    """`lookup_order` cannot answer right now (the shop's order API is down or paused): the
    flow says so and offers a person, instead of calling the order unknown."""


TALK_TO_PERSON = {"label": "Talk to a person", "value": "agent"}
YES_NO = [{"label": "Yes, thanks", "value": "yes"}, {"label": "No", "value": "no"}]


@dataclass
class Context:
    text: str
    intent: str
    collected: dict[str, Any]
    customer_email: str | None
    memory: dict[str, Any] = field(default_factory=dict)
    step: str | None = None
    tries: int = 0
    lookup_order: Callable[[str], Any] | None = None
    find_article: Callable[[str], Any] | None = None
    send_reset_email: Callable[[str], None] | None = None


@dataclass
class Turn:
    reply: str | None = None
    options: list[dict[str, str]] = field(default_factory=list)
    collected: dict[str, Any] = field(default_factory=dict)  # facts for the agent (COLLECTED_FIELDS)
    memory: dict[str, Any] = field(default_factory=dict)  # the flow's own notes, kept across turns
    step: str | None = None  # None: the flow is over
    tries: int = 0
    handoff: tuple[str, str] | None = None  # (queue, trigger)
    resolve: bool = False
    consumed: bool = True  # False: not an answer to this flow; the bot reads it afresh
    article_id: int | None = None
    feedback: str | None = None  # "helped" | "not_helped"
    answered: bool = False  # the customer has had an answer, though the flow goes on
