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


def as_choice(text: str) -> str:
    """A reply as the buttons are compared with it: case, edge spaces and end marks aside."""
    return text.strip().lower().rstrip("!.?")


# A "thanks" whose words read this negative is no thanks ("that didn't help at all", "thanks
# but that's not what I need", -0.6 to -1); this positive, thanks for a good answer. A polite
# closing with a faint shadow ("no thanks, that's it", "thanks anyway", about -0.2) is neither.
NOT_THANKS_AT = -0.4
THANKS_AT = 0.4


def thanks_reads(intent: str, tone: float | None) -> str | None:
    """What a thanks says to "did that help?": "yes", "no", or None (not a thanks, or unclear)."""
    if intent != "thanks_goodbye" or tone is None:
        return None
    if tone <= NOT_THANKS_AT:
        return "no"
    return "yes" if tone >= THANKS_AT else None


def choices_offered(options: list[dict[str, str]]) -> list[str]:
    """What a customer may send to pick one of a turn's buttons (label or value), except the
    person button: asking for a person is never just an answer."""
    return sorted(
        {as_choice(option[key]) for option in options if option != TALK_TO_PERSON for key in ("label", "value")}
    )


@dataclass(frozen=True)
class Answer:
    """An article the knowledge base found for the question, with the passage that answers it
    (the article's own words) and where it lives."""

    article_id: int
    title: str
    passage: str
    score: float
    url: str | None = None
    overdue: bool = False
    owner_team: str = ""

    def source(self) -> dict[str, str | None]:
        return {"id": str(self.article_id), "title": self.title, "url": self.url}

    def as_memory(self) -> dict[str, Any]:
        return {
            "id": self.article_id,
            "title": self.title,
            "passage": self.passage,
            "score": self.score,
            "url": self.url,
        }

    @classmethod
    def from_memory(cls, kept: dict[str, Any]) -> Answer:
        return cls(kept["id"], kept["title"], kept["passage"], kept.get("score", 0.0), kept.get("url"))


def article_source(article: Any) -> dict[str, str | None]:
    """knowledge-base.md §2's source of an article the flow found by its intent (any object
    with the kernel's Article fields): every answer drawn from an article carries it."""
    return {"id": str(article.pk), "title": article.title, "url": article.url or None}


@dataclass(frozen=True)
class Knowledge:
    """What the knowledge base says to the message: one answer, two or three close choices,
    or nothing; `others` are the next best articles (offered after a "no")."""

    kind: str  # "answer" | "choices" | "none"
    answers: tuple[Answer, ...] = ()
    others: tuple[Answer, ...] = ()


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
    knowledge: Knowledge | None = None  # searched for this message (information questions)
    tone: float | None = None  # the message's sentiment score, -1..1 (`thanks_reads`)

    def helped(
        self, yes: set[str] | tuple[str, ...], no: set[str] | tuple[str, ...], *, thanks_is_yes: bool = True
    ) -> str | None:
        """The answer to "did that help?": "yes" or "no" by the flow's own words, else by how a
        thanks reads (`thanks_is_yes=False`: a glad thanks is left to the bot's thanks, which
        closes the chat); None when it is neither (the bot reads it afresh)."""
        answer = self.text.strip().lower().rstrip("!.")
        if answer in yes:
            return "yes"
        if answer in no:
            return "no"
        reading = thanks_reads(self.intent, self.tone)
        return reading if reading == "no" or thanks_is_yes else None


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
    sources: list[dict[str, str | None]] = field(default_factory=list)  # knowledge-base.md §2
    offered: tuple[Answer, ...] = ()  # articles served or offered this turn (content performance)
