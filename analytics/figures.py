"""Which figures the pages show, in which unit, and which way is better: one list read by the
dashboard and the weekly page alike, so the two cannot disagree on a number or its trend.

A figure's key is its path in the scorecard, dotted as in the scorecard CSV
(`handoff_wait.median`); the pages write it and the raw value beside the figure
(`data-metric`, `data-value`) so a test, or a supervisor with the CSV open, can check one
against the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .formatting import shown


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    kind: str  # "count", "rate", "duration", "csat" or "sentiment" (formatting.BY_KIND)
    better: str  # "up", "down", or "" where neither is good in itself (volume)
    note: str = ""


TILES = [
    Figure("volume", "Conversations", "count", "", "created in the period"),
    Figure("containment_rate", "Containment", "rate", "up", "resolved by the bot alone"),
    Figure("deflection_rate", "Deflection", "rate", "up", "never reached a person"),
    Figure("escalation_rate", "Escalation", "rate", "down", "handed to a person"),
    Figure("abandonment_rate", "Abandonment", "rate", "down", "left without an answer"),
    Figure("csat_mean", "CSAT", "csat", "up", "mean of 1–5 ratings"),
    Figure("human_first_response.median", "Human first response", "duration", "down", "median, from the handoff"),
    Figure("handoff_wait.median", "Handoff wait", "duration", "down", "median, until a person accepts"),
]

# The rest of the scorecard's headline figures, for the weekly page's full table.
MORE = [
    Figure("engaged", "Engaged conversations", "count", "", "the customer wrote at least once"),
    Figure("ended", "Ended conversations", "count", ""),
    Figure("queue_abandonment_rate", "Left while waiting", "rate", "down", "of those handed off"),
    Figure("transfer_rate", "Transferred after acceptance", "rate", "down", "of those handed off"),
    Figure("fcr_rate", "First-contact resolution", "rate", "up", "no new conversation within 7 days"),
    Figure("csat_satisfied_rate", "Satisfied (4 or 5)", "rate", "up", "of ratings"),
    Figure("csat_response_rate", "CSAT response rate", "rate", "up", "rated / asked"),
]

TIMES = [
    ("bot_first_response", "Bot first response", "first customer message → first bot message"),
    ("handoff_wait", "Handoff wait", "handoff → a person accepts"),
    ("human_first_response", "Human first response", "handoff → a person's first message"),
    ("handle_time", "Handle time", "a person accepts → resolved"),
    ("resolution_time", "Resolution time", "first customer message → resolved"),
]

SENTIMENTS = [
    Figure("sentiment_before_handoff", "Before the handoff", "sentiment", "up", "customer messages before it"),
    Figure("sentiment_after_handoff", "After the handoff", "sentiment", "up", "first three after a person accepted"),
    Figure("sentiment_at_resolution", "At resolution", "sentiment", "up", "last customer message"),
]


def value_at(card: dict[str, Any], key: str) -> Any:
    value: Any = card
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def raw(value: Any) -> str:
    """The value as the API and the CSV write it, for `data-value`."""
    return "" if value is None else repr(value)


def present(figure: Figure, card: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """One figure ready for a template: its value in words and, given the previous period's
    card, the trend against it."""
    value = value_at(card, figure.key)
    out = {
        "key": figure.key,
        "label": figure.label,
        "note": figure.note,
        "value": value,
        "raw": raw(value),
        "shown": shown(figure.kind, value),
    }
    if previous is not None:
        out["trend"] = trend(figure, value, value_at(previous, figure.key))
    return out


def trend(figure: Figure, now: float | None, before: float | None) -> dict[str, str]:
    """▲ or ▼ against the previous period, with its value and whether that is good news.
    Said in words as well as by the arrow and the colour (WCAG 1.4.1)."""
    previous = shown(figure.kind, before)
    if now is None or before is None:
        return {"arrow": "", "direction": "none", "verdict": "", "previous": previous, "words": "no comparison"}
    if shown(figure.kind, now) == previous:
        return {"arrow": "=", "direction": "same", "verdict": "same", "previous": previous, "words": "no change"}
    up = now > before
    verdict = "" if not figure.better else ("better" if up == (figure.better == "up") else "worse")
    return {
        "arrow": "▲" if up else "▼",
        "direction": "up" if up else "down",
        "verdict": verdict,
        "previous": previous,
        "words": ("up" if up else "down") + (f", {verdict}" if verdict else ""),
    }
