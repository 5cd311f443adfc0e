"""Response patterns by emotion: how the bot's reply opens, as supervisors wrote it.

The patterns are rows (bots.models.ResponsePattern), read once per process and kept for
REFRESH_SECONDS, so applying them costs no query on a turn; the admin drops the cache on every
save, so an edit shows in its own process at once and in the others within the refresh.
`choose` and `adapt` are pure (tests/unit/test_response_patterns.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from ..flows.base import TALK_TO_PERSON
from ..models import ResponsePattern

REFRESH_SECONDS = 10.0

# What the product ships (seeded by seed_demo and by migration 0004): (order, emotion,
# threshold, opening, offer_person). Frustration, anger and annoyance come first: an angry
# customer who is also confused is apologised to, and offered a person, before anything is
# explained. Frustration from 0.65 only: the head reads a bare "no" (the answer to "Did that
# help?") as 0.56 (docs/routing.md); anger and annoyance stay low on such answers.
DEFAULT_PATTERNS: list[tuple[int, str, float, str, bool]] = [
    (
        10,
        "frustration",
        0.65,
        "I'm sorry this has been frustrating. If you'd rather talk to a person, one can take over right away.",
        True,
    ),
    (
        20,
        "anger",
        0.3,
        "I'm sorry about this — that's not how it should go. A person can take over right away if you prefer.",
        True,
    ),
    (
        25,
        "annoyance",
        0.35,
        "Sorry for the trouble. If you'd rather sort this out with a person, one can take over right away.",
        True,
    ),
    (30, "confusion", 0.5, "Sorry if that's unclear — which part can I explain better?", False),
    (40, "sadness", 0.3, "I'm sorry to hear that.", False),
    (50, "disappointment", 0.3, "I understand that's disappointing.", False),
    (60, "relief", 0.5, "Glad to hear that.", False),
    (70, "gratitude", 0.6, "Happy to help.", False),
]
APOLOGY = ("sorry", "apolog")


@dataclass(frozen=True)
class Pattern:
    emotion: str
    threshold: float
    opening: str
    offer_person: bool


_lock = threading.Lock()
_cache: tuple[float, tuple[Pattern, ...]] | None = None


def active_patterns() -> tuple[Pattern, ...]:
    """The active patterns in order, from the per-process cache."""
    global _cache
    now = time.monotonic()
    cached = _cache
    if cached is not None and now - cached[0] < REFRESH_SECONDS:
        return cached[1]
    with _lock:
        rows = ResponsePattern.objects.filter(active=True).order_by("order", "id")
        patterns = tuple(Pattern(r.emotion, r.threshold, r.opening, r.offer_person) for r in rows)
        _cache = (now, patterns)
        return patterns


def patterns_forget() -> None:
    global _cache
    _cache = None


def choose(patterns: tuple[Pattern, ...], emotions: Mapping[str, float], frustration: float | None) -> Pattern | None:
    """The first pattern whose emotion reads at or over its threshold (frustration is read from
    its own head); none for a message no emotion head read."""
    for pattern in patterns:
        score = frustration if pattern.emotion == "frustration" else emotions.get(pattern.emotion)
        if score is not None and score >= pattern.threshold:
            return pattern
    return None


def adapt(
    body: str, options: list[dict[str, str]] | None, pattern: Pattern | None, *, handing_over: bool = False
) -> tuple[str, list[dict[str, str]] | None]:
    """The reply with the pattern's opening, and the person option when the pattern offers one
    (not when the bot hands over anyway, nor twice). A reply that opens with an apology keeps
    its own opening: one apology is enough ("I'm sorry to hear that. What's the order
    number?"), and a glad one would contradict it ("Happy to help. Sorry that didn't help")."""
    if pattern is None or not body:
        return body, options
    opening = pattern.opening.strip()
    apologised = any(word in body[:80].lower() for word in APOLOGY)
    if opening and not apologised and not body.lower().startswith(opening.lower()):
        body = f"{opening} {body}"
    if pattern.offer_person and not handing_over:
        options = list(options or [])
        if not any(option.get("value") == TALK_TO_PERSON["value"] for option in options):
            options.append(dict(TALK_TO_PERSON))
    return body, options


def respond(
    body: str,
    options: list[dict[str, str]] | None,
    *,
    emotions: Mapping[str, float],
    frustration: float | None,
    handing_over: bool = False,
) -> tuple[str, list[dict[str, str]] | None]:
    """The bot's reply as the customer's emotion asks (no query: the cached patterns)."""
    return adapt(body, options, choose(active_patterns(), emotions, frustration), handing_over=handing_over)


@transaction.atomic
def patterns_seed() -> int:
    """The shipped patterns, each added when no pattern of its emotion exists (supervisors'
    edits are kept; to silence one, make it inactive)."""
    have = set(ResponsePattern.objects.values_list("emotion", flat=True))
    fresh = [
        ResponsePattern(order=order, emotion=emotion, threshold=threshold, opening=opening, offer_person=offer)
        for order, emotion, threshold, opening, offer in DEFAULT_PATTERNS
        if emotion not in have
    ]
    ResponsePattern.objects.bulk_create(fresh)
    transaction.on_commit(patterns_forget)
    return len(fresh)
