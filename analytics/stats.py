"""Durations and percentiles computed by the database.

PostgreSQL: `percentile_cont` in one aggregate. Other databases (the embedded SQLite): the
database sorts and we read only the one or two rows around each percentile; either way no
Python loop runs over all rows. Percentiles interpolate linearly (percentile_cont's rule).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import Aggregate, DurationField, ExpressionWrapper, F, FloatField, QuerySet


class PercentileCont(Aggregate):
    function = "PERCENTILE_CONT"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, percentile: float, **extra: Any) -> None:
        super().__init__(expression, percentile=percentile, **extra)


def _seconds(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def duration_stats(queryset: QuerySet, start: str, end: str) -> dict[str, float | int | None]:
    """{"median", "p90", "count"} of `end - start` in seconds over rows where both are set and
    the end is not before the start."""
    rows = (
        queryset.filter(**{f"{start}__isnull": False, f"{end}__isnull": False})
        .annotate(_d=ExpressionWrapper(F(end) - F(start), output_field=DurationField()))
        .filter(_d__gte=timedelta(0))
    )
    if connection.vendor == "postgresql":
        from django.db.models import Count
        from django.db.models.functions import Extract

        epoch = Extract("_d", "epoch")
        got = rows.aggregate(median=PercentileCont(epoch, 0.5), p90=PercentileCont(epoch, 0.9), count=Count("pk"))
        return {"median": _round(got["median"]), "p90": _round(got["p90"]), "count": got["count"]}
    count = rows.count()
    if count == 0:
        return {"median": None, "p90": None, "count": 0}
    ordered = rows.order_by("_d").values_list("_d", flat=True)

    def percentile(fraction: float) -> float:
        position = fraction * (count - 1)
        low = math.floor(position)
        values = [_seconds(v) for v in ordered[low : low + 2]]
        if len(values) == 1 or position == low:
            return values[0]
        return values[0] + (values[1] - values[0]) * (position - low)

    return {"median": _round(percentile(0.5)), "p90": _round(percentile(0.9)), "count": count}


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def rate(numerator: int, denominator: int) -> float | None:
    """A fraction 0..1, or None when there is no denominator (never 0 for "no data")."""
    return None if not denominator else round(numerator / denominator, 4)
