"""Every figure as people read it, one function per unit, so that the dashboard, the weekly page
and the charts cannot print the same number two ways. The API and the CSV keep the raw values
(fractions, seconds, scores); these only present them."""

from __future__ import annotations

from datetime import date

MINUS = "\u2212"  # a real minus sign: "−0.11", not a hyphen
NONE = "—"  # no data: a rate without a denominator, a time never measured


def percent(value: float | None) -> str:
    """A fraction 0..1 as a percentage, one decimal where it is not whole: 0.1667 -> "16.7%"."""
    if value is None:
        return NONE
    shown = f"{value * 100:.1f}".removesuffix(".0")
    return f"{shown}%".replace("-", MINUS)


def duration(seconds: float | None) -> str:
    """Seconds in the largest units that keep it exact enough to act on: 0.08 -> "0.08 s",
    4.23 -> "4.2 s", 173.357 -> "2 min 53 s", 5400 -> "1 h 30 min", 93600 -> "1 d 2 h"."""
    if seconds is None:
        return NONE
    if seconds < 1:
        return f"{seconds:.2f} s"
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, secs = divmod(whole, 60)
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    minutes = round(seconds / 60)
    if minutes < 24 * 60:
        hours, mins = divmod(minutes, 60)
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    hours = round(seconds / 3600)
    days, hrs = divmod(hours, 24)
    return f"{days} d {hrs} h" if hrs else f"{days} d"


def sentiment(score: float | None) -> str:
    """A mean sentiment score on its own scale, −1 (most negative) to +1: "−0.11", "+0.40"."""
    if score is None:
        return NONE
    shown = f"{score:+.2f}"
    if shown in ("+0.00", "-0.00"):
        return "0.00"
    return shown.replace("-", MINUS)


def period(first: date, last: date) -> str:
    """Days as people say them, the last one included: "Nov 23 – Nov 29, 2026", "Nov 30, 2026"."""
    if first == last:
        return f"{last:%b} {last.day}, {last.year}"
    if first.year == last.year:
        return f"{first:%b} {first.day} – {last:%b} {last.day}, {last.year}"
    return f"{first:%b} {first.day}, {first.year} – {last:%b} {last.day}, {last.year}"


def csat(mean: float | None) -> str:
    return NONE if mean is None else f"{mean:.2f} / 5"


def count(value: int | None) -> str:
    return NONE if value is None else f"{value:,}"


BY_KIND = {"rate": percent, "duration": duration, "sentiment": sentiment, "csat": csat, "count": count}


def shown(kind: str, value: float | int | None) -> str:
    return BY_KIND[kind](value)
