"""What the bot does with a classified message: keep it, or hand it to a human queue.

Pure: facts in, decision out. `python manage.py triage` and the live chat call the same
function, so the command shows exactly what the chat would do with a first message. The
supervisor-edited rules (routing) take this decision's place through
settings.HELPDESK_BOT_DECIDER; `triage` below is the built-in fallback with the same defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXPLICIT_REQUEST = re.compile(
    r"\b(agent|human|person|representative|rep|operator|real person|live (chat|support|agent)|"
    r"talk to (a|an|some)one|speak (to|with) (a|an|some)one|customer service)\b",
    re.IGNORECASE,
)
STRONG_NEGATIVE = -0.85  # "arrived broken" reads about -0.8: sad, not yet a reason to skip the bot
MAX_FAILED_TURNS = 2
DEFAULT_QUEUE = "General"


@dataclass(frozen=True)
class Facts:
    text: str
    intent: str
    intent_confidence: float
    tier: int  # 0 fallback, 1, 2, 3
    intent_queue: str | None
    sentiment: str
    sentiment_score: float
    failed_turns: int = 0  # turns the bot could not handle, this one included
    message_id: int | None = None  # the message being decided (its reading may not be stored yet)


@dataclass(frozen=True)
class Decision:
    route: str  # "bot" | "human"
    queue: str | None
    trigger: str | None
    failed_turn: bool = False
    priority: str | None = None  # "low" | "normal" | "high" | "urgent", when a rule set one
    tags: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()  # messages for the supervisors


def triage(facts: Facts) -> Decision:
    queue = facts.intent_queue or DEFAULT_QUEUE
    if facts.intent == "talk_to_human" or EXPLICIT_REQUEST.search(facts.text):
        return Decision("human", queue if facts.intent != "talk_to_human" else DEFAULT_QUEUE, "explicit_request")
    if facts.tier == 3:
        return Decision("human", queue, "topic_rule")
    if facts.sentiment == "negative" and facts.sentiment_score <= STRONG_NEGATIVE:
        return Decision("human", queue, "negative_sentiment")
    if facts.intent == "out_of_scope":
        if facts.failed_turns >= MAX_FAILED_TURNS:
            return Decision("human", DEFAULT_QUEUE, "bot_failure", failed_turn=True)
        return Decision("bot", None, None, failed_turn=True)
    return Decision("bot", None, None)


def decide(facts: Facts, conversation=None) -> Decision:
    """The configured decider (settings.HELPDESK_BOT_DECIDER: the routing rules), or the
    built-in defaults above when none is configured."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    path = getattr(settings, "HELPDESK_BOT_DECIDER", "")
    return import_string(path)(facts, conversation) if path else triage(facts)
