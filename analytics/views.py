"""The supervisors' dashboard at /analytics/ and the printable weekly scorecard."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone

from helpdesk.models import AgentProfile
from helpdesk.selectors.kb import content_performance, open_gaps

from .charts import bar_chart, tile
from .scorecard import scorecard
from .series import daily, daily_waits


def _is_supervisor(user) -> bool:
    return bool(user.is_superuser or AgentProfile.objects.filter(user=user, is_supervisor=True).exists())


def _period(request: HttpRequest, default_days: int) -> tuple[date, date]:
    today = timezone.localdate()
    try:
        end = date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today + timedelta(days=1)
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = end - timedelta(days=default_days)
    if end <= start:
        start = end - timedelta(days=default_days)
    return start, end


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _secs(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} s" if value < 120 else f"{value / 60:.1f} min"


def _tiles(card: dict) -> list:
    return [
        tile("Conversations", str(card["volume"]), f"{card['engaged']} engaged"),
        tile("Containment", _pct(card["containment_rate"]), "resolved by the bot alone"),
        tile("Deflection", _pct(card["deflection_rate"]), "never reached a human"),
        tile("Escalation", _pct(card["escalation_rate"]), "handed to a human"),
        tile("Abandonment", _pct(card["abandonment_rate"]), "left without an answer"),
        tile(
            "CSAT",
            "—" if card["csat_mean"] is None else f"{card['csat_mean']:.2f} / 5",
            f"{card['csat_count']} ratings",
        ),
        tile("Human first response", _secs(card["human_first_response"]["median"]), "median"),
        tile("Handoff wait", _secs(card["handoff_wait"]["median"]), "median"),
    ]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not _is_supervisor(request.user):
        return HttpResponseForbidden("Supervisors only.")
    start, end = _period(request, 30)
    card = scorecard(start, end)
    days = daily(start, end)
    waits = daily_waits(start, end, [d["day"] for d in days][-14:])
    charts = {
        "volume": bar_chart([(f"{d['day']:%b %d}", d["engaged"]) for d in days], title="Engaged conversations by day"),
        "containment": bar_chart(
            [(f"{d['day']:%b %d}", d["containment_rate"]) for d in days], title="Containment by day", unit="%"
        ),
        "triggers": bar_chart(
            [(k.replace("_", " "), v) for k, v in card["escalation_by_trigger"].items()],
            title="Escalation by trigger (share of engaged)",
            unit="%",
        ),
        "waits": bar_chart(
            [(f"{w['day']:%b %d} median", w["median"]) for w in waits]
            + [(f"{w['day']:%b %d} p90", w["p90"]) for w in waits],
            title="Handoff wait by day",
            unit=" s",
        ),
        "csat": bar_chart(
            [(k.replace("_", " "), v) for k, v in card["csat_by_outcome"].items()], title="CSAT by outcome"
        ),
        "sentiment": bar_chart(
            [
                ("before handoff", _shift(card["sentiment_before_handoff"])),
                ("after handoff", _shift(card["sentiment_after_handoff"])),
                ("at resolution", _shift(card["sentiment_at_resolution"])),
            ],
            title="Customer sentiment (0 = most negative, 2 = most positive)",
        ),
    }
    since, until = (datetime.combine(d, time.min, tzinfo=timezone.get_current_timezone()) for d in (start, end))
    knowledge = {
        "articles": content_performance(since=since, until=until),
        "gaps": open_gaps(),
    }
    return render(
        request,
        "analytics/dashboard.html",
        {"card": card, "tiles": _tiles(card), "charts": charts, "start": start, "end": end, "knowledge": knowledge},
    )


def _shift(score: float | None) -> float | None:
    """Sentiment −1..1 drawn as 0..2 so bars grow from zero."""
    return None if score is None else round(score + 1, 3)


@login_required
def weekly(request: HttpRequest) -> HttpResponse:
    """The seeds' weekly scorecard, printable."""
    if not _is_supervisor(request.user):
        return HttpResponseForbidden("Supervisors only.")
    start, end = _period(request, 7)
    card = scorecard(start, end)
    return render(request, "analytics/weekly.html", {"card": card, "start": start, "end": end})
