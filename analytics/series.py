"""Per-day series for the dashboard, grouped by the database (TruncDate in the deployment's
time zone)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from .scorecard import OUTCOME, conversations_in
from .stats import duration_stats, rate


def daily(start: date, end: date) -> list[dict]:
    zone = ZoneInfo(settings.TIME_ZONE)
    rows = (
        conversations_in(start, end)
        .filter(first_customer_message_at__isnull=False)
        .annotate(day=TruncDate("created_at", tzinfo=zone), outcome=OUTCOME)
        .values("day")
        .annotate(
            engaged=Count("pk"),
            ended=Count("pk", filter=Q(status__in=["resolved", "abandoned"])),
            contained=Count("pk", filter=Q(outcome="contained")),
            handed=Count("pk", filter=Q(first_handoff_at__isnull=False)),
        )
        .order_by("day")
    )
    return [
        {
            "day": row["day"],
            "engaged": row["engaged"],
            "containment_rate": rate(row["contained"], row["ended"]),
            "escalation_rate": rate(row["handed"], row["engaged"]),
        }
        for row in rows
    ]


def daily_waits(start: date, end: date, days: list[date]) -> list[dict]:
    """Handoff wait median and p90 per day (one percentile query per day shown)."""
    from datetime import timedelta

    out = []
    for day in days:
        stats = duration_stats(conversations_in(day, day + timedelta(days=1)), "first_handoff_at", "first_assigned_at")
        out.append({"day": day, **stats})
    return out
