"""The hybrid scorecard, to the letter of shared/spec/metrics.md (docs/metrics.md).

Every figure is a database aggregate over the conversations created in [start, end), in the
deployment's time zone; nothing loops over rows in Python.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from helpdesk.models import BotRating, Conversation, ConversationEvent, CsatResponse

from .stats import duration_stats, rate

OUTCOMES = ("contained", "handed_off_resolved", "abandoned_in_bot", "abandoned_in_queue", "abandoned_with_agent")

OUTCOME = Case(
    When(status="resolved", first_handoff_at__isnull=True, then=Value("contained")),
    When(status="resolved", then=Value("handed_off_resolved")),
    When(status="abandoned", abandoned_from="bot", then=Value("abandoned_in_bot")),
    When(status="abandoned", abandoned_from="queued", then=Value("abandoned_in_queue")),
    When(status="abandoned", then=Value("abandoned_with_agent")),
    default=Value(""),
    output_field=CharField(),
)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime.combine(start, time.min, zone), datetime.combine(end, time.min, zone)


def conversations_in(start: date, end: date) -> QuerySet[Conversation]:
    low, high = period_bounds(start, end)
    return Conversation.objects.filter(created_at__gte=low, created_at__lt=high)


def _transferred_after_accept() -> Exists:
    return Exists(
        ConversationEvent.objects.filter(
            conversation=OuterRef("pk"), kind="transferred", created_at__gte=OuterRef("first_assigned_at")
        )
    )


def _repeat_contact() -> Exists:
    return Exists(
        Conversation.objects.filter(
            customer=OuterRef("customer"),
            first_customer_message_at__isnull=False,
            created_at__gt=OuterRef("resolved_at"),
            created_at__lte=OuterRef("resolved_at") + timedelta(days=7),
        ).exclude(pk=OuterRef("pk"))
    )


def scorecard(start: date, end: date) -> dict[str, Any]:
    all_in_period = conversations_in(start, end)
    engaged = all_in_period.filter(first_customer_message_at__isnull=False).annotate(outcome=OUTCOME)
    handed = Q(first_handoff_at__isnull=False)
    counts = engaged.aggregate(
        engaged=Count("pk"),
        ended=Count("pk", filter=Q(status__in=["resolved", "abandoned"])),
        handed_off=Count("pk", filter=handed),
        resolved=Count("pk", filter=Q(status="resolved")),
        asked=Count("pk", filter=Q(status="resolved", csat_requested_at__isnull=False)),
        rated=Count("pk", filter=Q(status="resolved", csat__isnull=False)),
        transferred=Count("pk", filter=handed & Q(_transferred_after_accept())),
        repeat=Count("pk", filter=Q(status="resolved") & Q(_repeat_contact())),
        **{name: Count("pk", filter=Q(outcome=name)) for name in OUTCOMES},
    )
    volume = all_in_period.count()
    ended, engaged_n, handed_n = counts["ended"], counts["engaged"], counts["handed_off"]
    abandoned = counts["abandoned_in_bot"] + counts["abandoned_in_queue"] + counts["abandoned_with_agent"]
    repeat = rate(counts["repeat"], counts["resolved"])

    by_trigger = dict(engaged.filter(handed).values_list("handoff_trigger").annotate(n=Count("pk")).order_by("-n"))
    csat = CsatResponse.objects.filter(conversation__in=engaged.values("pk"))
    csat_all = csat.aggregate(mean=Avg("score"), n=Count("pk"), satisfied=Count("pk", filter=Q(score__gte=4)))
    csat_by_outcome = dict(
        csat.annotate(outcome=_outcome_of("conversation__"))
        .filter(outcome__in=["contained", "handed_off_resolved"])
        .values_list("outcome")
        .annotate(mean=Avg("score"))
    )
    engaged_ids = engaged.values("pk")
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat(), "time_zone": settings.TIME_ZONE},
        "volume": volume,
        "engaged": engaged_n,
        "ended": ended,
        "outcomes": {name: counts[name] for name in OUTCOMES},
        "deflection_rate": rate(counts["contained"] + counts["abandoned_in_bot"], ended),
        "containment_rate": rate(counts["contained"], ended),
        "escalation_rate": rate(handed_n, engaged_n),
        "escalation_count": handed_n,
        "escalation_by_trigger": {trigger: rate(n, engaged_n) for trigger, n in by_trigger.items()},
        "abandonment_rate": rate(abandoned, ended),
        "queue_abandonment_rate": rate(counts["abandoned_in_queue"], handed_n),
        "transfer_rate": rate(counts["transferred"], handed_n),
        "repeat_contact_rate": repeat,
        "fcr_rate": None if repeat is None else round(1 - repeat, 4),
        "bot_first_response": _bot_first_response(engaged),
        "handoff_wait": duration_stats(engaged, "first_handoff_at", "first_assigned_at"),
        "human_first_response": duration_stats(engaged, "first_handoff_at", "first_agent_message_at"),
        "handle_time": duration_stats(engaged.filter(status="resolved"), "first_assigned_at", "resolved_at"),
        "resolution_time": duration_stats(
            engaged.filter(status="resolved"), "first_customer_message_at", "resolved_at"
        ),
        "csat_mean": _round(csat_all["mean"]),
        "csat_count": csat_all["n"],
        "csat_satisfied_rate": rate(csat_all["satisfied"], csat_all["n"]),
        "csat_response_rate": rate(counts["rated"], counts["asked"]),
        "csat_by_outcome": {
            "contained": _round(csat_by_outcome.get("contained")),
            "handed_off_resolved": _round(csat_by_outcome.get("handed_off_resolved")),
        },
        **_sentiments(engaged),
        "by_intent": _by_intent(all_in_period),
        "top_escalation_reasons": [{"trigger": t, "count": n} for t, n in by_trigger.items()],
        "bot_feedback": _bot_feedback(engaged_ids),
    }


def _outcome_of(prefix: str) -> Case:
    p = prefix
    return Case(
        When(**{f"{p}status": "resolved", f"{p}first_handoff_at__isnull": True}, then=Value("contained")),
        When(**{f"{p}status": "resolved"}, then=Value("handed_off_resolved")),
        default=Value(""),
        output_field=CharField(),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _bot_first_response(engaged: QuerySet) -> dict:
    # first_bot_reply_at is kept by the message service: the first bot message after the
    # customer's first one (denormalised so the scorecard needs no per-row subquery).
    return duration_stats(engaged, "first_customer_message_at", "first_bot_reply_at")


def _sentiments(engaged: QuerySet) -> dict[str, float | None]:
    """From the running sums kept on each conversation as its messages are read."""
    sums = engaged.aggregate(
        before_sum=Sum("sentiment_before_sum", filter=Q(first_handoff_at__isnull=False)),
        before_n=Sum("sentiment_before_n", filter=Q(first_handoff_at__isnull=False)),
        after_sum=Sum("sentiment_after_sum"),
        after_n=Sum("sentiment_after_n"),
        at_resolution=Avg("sentiment_at_resolution", filter=Q(status="resolved")),
    )
    return {
        "sentiment_before_handoff": _round(sums["before_sum"] / sums["before_n"]) if sums["before_n"] else None,
        "sentiment_after_handoff": _round(sums["after_sum"] / sums["after_n"]) if sums["after_n"] else None,
        "sentiment_at_resolution": _round(sums["at_resolution"]),
    }


def _by_intent(all_in_period: QuerySet) -> list[dict]:
    rows = (
        all_in_period.annotate(outcome=OUTCOME)
        .exclude(first_intent="")
        .values("first_intent")
        .annotate(
            volume=Count("pk"),
            engaged=Count("pk", filter=Q(first_customer_message_at__isnull=False)),
            ended=Count("pk", filter=Q(status__in=["resolved", "abandoned"], first_customer_message_at__isnull=False)),
            contained=Count("pk", filter=Q(outcome="contained", first_customer_message_at__isnull=False)),
            handed=Count("pk", filter=Q(first_handoff_at__isnull=False, first_customer_message_at__isnull=False)),
            csat_mean=Avg("csat__score"),
        )
        .order_by("-volume", "first_intent")
    )
    return [
        {
            "intent": row["first_intent"],
            "volume": row["volume"],
            "containment_rate": rate(row["contained"], row["ended"]),
            "escalation_rate": rate(row["handed"], row["engaged"]),
            "csat_mean": _round(row["csat_mean"]),
        }
        for row in rows
    ]


def _bot_feedback(engaged_ids: QuerySet) -> list[dict]:
    rows = (
        BotRating.objects.filter(conversation__in=engaged_ids)
        .values("predicted_intent")
        .annotate(up=Count("pk", filter=Q(helpful=True)), down=Count("pk", filter=Q(helpful=False)))
        .order_by("predicted_intent")
    )
    return [{"intent": r["predicted_intent"] or None, "up": r["up"], "down": r["down"]} for r in rows]
