"""The assistant's first brain: plain rules, until the intent model takes over.

It answers at once, says it is automated, recognises a plain request for a person, and never
traps anyone: after two turns it cannot help with, it hands over (`bot_failure`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HUMAN_REQUEST = re.compile(
    r"\b(agent|human|person|representative|rep|operator|someone real|real person|live chat|"
    r"talk to (a|an|some)one|speak (to|with) (a|an|some)one|customer service|staff)\b",
    re.IGNORECASE,
)
THANKS = re.compile(r"\b(thanks|thank you|thx|ty|cheers|that'?s all|bye|goodbye)\b", re.IGNORECASE)
GREETING = re.compile(r"^\s*(hi|hello|hey|hiya|good (morning|afternoon|evening)|yo)\b[\s!.,]*$", re.IGNORECASE)

TALK_TO_PERSON = {"label": "Talk to a person", "value": "agent"}
MAX_FAILED_TURNS = 2


@dataclass(frozen=True)
class Reply:
    """What the bot does with one customer message."""

    body: str | None = None
    options: list[dict[str, str]] = field(default_factory=list)
    handoff_trigger: str | None = None
    failed_turn: bool = False
    resolve: bool = False


def greeting(name: str) -> str:
    hello = f"Hi {name}!" if name else "Hi!"
    return (
        f"{hello} I'm the automated assistant. I can help with orders, passwords, returns, shipping "
        "and payments. Tell me what you need — or ask for a person at any time."
    )


def respond(text: str, *, failures_so_far: int) -> Reply:
    """Pure: the reply to `text` given how many turns already failed."""
    if HUMAN_REQUEST.search(text):
        return Reply(handoff_trigger="explicit_request")
    if GREETING.match(text):
        return Reply(body="Hello! What can I help you with today?", options=[TALK_TO_PERSON])
    if THANKS.search(text) and len(text) < 60:
        return Reply(body="You're welcome! Is there anything else I can do for you?", options=[TALK_TO_PERSON])
    if failures_so_far + 1 >= MAX_FAILED_TURNS:
        return Reply(handoff_trigger="bot_failure", failed_turn=True)
    return Reply(
        body="Sorry, I didn't quite get that. Could you say it another way, with any order number or email "
        "that applies? If you'd rather, a person can take over.",
        options=[TALK_TO_PERSON],
        failed_turn=True,
    )
