"""CSV exports, streamed: rows are read from the database in chunks and written as they go, so
a year of conversations never sits in memory.

A CSV leaves the desk (spreadsheets get mailed around), so with HELPDESK_REDACT_PII on every
text cell goes through helpdesk.security.redaction.redact: an email address, a card or a phone number
written into a trigger, a queue name or a username comes out as [email], [card] or [phone].
Typed cells (ids, timestamps, numbers) are not text and are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import DurationField, ExpressionWrapper, F

from helpdesk.security.redaction import redact

from .scorecard import OUTCOME, conversations_in, scorecard

# (CSV column, the row's field): one list, so header and values cannot drift apart. The last
# five are durations, written in seconds.
COLUMNS = [
    ("id", "pk"),
    ("created_at", "created_at"),
    ("status", "status"),
    ("outcome", "outcome"),
    ("handoff_trigger", "handoff_trigger"),
    ("first_intent", "first_intent"),
    ("intent", "intent"),
    ("queue", "queue__name"),
    ("agent", "agent__username"),
    ("priority", "priority"),
    ("customer_tier", "customer__tier"),
    ("csat", "csat__score"),
    ("bot_first_response_s", "bot_first"),
    ("handoff_wait_s", "wait"),
    ("human_first_response_s", "human_first"),
    ("handle_time_s", "handle"),
    ("resolution_time_s", "resolution"),
]
DURATIONS = 5


class _Echo:
    def write(self, value: str) -> str:
        return value


def _seconds(value: Any) -> str:
    return "" if value is None else f"{value.total_seconds():.3f}"


def _span(start: str, end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def conversation_rows(start: date, end: date) -> Iterator[list[str]]:
    rows = (
        conversations_in(start, end)
        .annotate(
            outcome=OUTCOME,
            bot_first=_span("first_customer_message_at", "first_bot_reply_at"),
            wait=_span("first_handoff_at", "first_assigned_at"),
            human_first=_span("first_handoff_at", "first_agent_message_at"),
            handle=_span("first_assigned_at", "resolved_at"),
            resolution=_span("first_customer_message_at", "resolved_at"),
        )
        .order_by("created_at")
        .values_list(*(field for _, field in COLUMNS))
    )
    for row in rows.iterator(chunk_size=2000):
        plain, spans = row[:-DURATIONS], row[-DURATIONS:]
        yield [_text(value) for value in plain] + [_seconds(span) for span in spans]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return redact(value) if settings.HELPDESK_REDACT_PII else value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def conversations_csv(start: date, end: date) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([column for column, _ in COLUMNS])
    for row in conversation_rows(start, end):
        yield writer.writerow(row)


def scorecard_csv(start: date, end: date) -> Iterator[str]:
    """The scorecard flattened to metric,value rows (nested keys joined with dots)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(["metric", "value"])

    def flatten(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(value, dict):
            for key, inner in value.items():
                yield from flatten(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                label = inner.get("intent") or inner.get("trigger") if isinstance(inner, dict) else None
                yield from flatten(f"{prefix}.{label or index}", inner)
        else:
            yield prefix, value

    for key, value in flatten("", scorecard(start, end)):
        # Numbers go to the writer as numbers (its own formatting); only text is redacted.
        cell = _text(value) if value is None or isinstance(value, str) else value
        yield writer.writerow([_text(key), cell])
