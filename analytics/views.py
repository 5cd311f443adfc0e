"""The supervisors' dashboard at /analytics/, the printable weekly scorecard and the live desk.

Both read one scorecard for the period and one for the period of the same length just before
it (the trends), and present every figure through analytics/figures.py: the same unit, the
same rounding and the same number as the scorecard API and its CSV.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone

from helpdesk.models import AgentProfile
from helpdesk.selectors.kb import content_performance, open_gaps

from . import formatting
from .charts import bar_chart, scale_chart
from .figures import MORE, SENTIMENTS, TILES, TIMES, present, raw
from .labels import intent_labels, outcome_label, trigger_label
from .live import AgentLoad, AtRisk, desk_board
from .scorecard import scorecard
from .series import daily, daily_waits

MAX_DAYS = 366 * 3  # as the API (analytics/api.py): a longer period is cut to this


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
    if (end - start).days > MAX_DAYS:
        start = end - timedelta(days=MAX_DAYS)
    return start, end


def _page(start: date, end: date, *, weekly: bool) -> dict[str, Any]:
    """Everything both pages show for [start, end), against the period of the same length
    just before it."""
    card = scorecard(start, end)
    before = start - (end - start)
    previous = scorecard(before, start)
    intents = intent_labels([row["intent"] for row in card["by_intent"]] + [r["intent"] for r in card["bot_feedback"]])
    return {
        "card": card,
        "start": start,
        "end": end,
        "shown_period": formatting.period(start, end - timedelta(days=1)),
        "previous": {"shown": formatting.period(before, start - timedelta(days=1)), "days": (end - start).days},
        "tiles": [present(f, card, previous) for f in TILES],
        "more": [present(f, card, previous) for f in MORE] if weekly else [],
        "sentiments": [present(f, card, previous) for f in SENTIMENTS],
        "times": _times(card),
        "by_intent": _by_intent(card, intents),
        "reasons": [
            {"trigger": r["trigger"], "label": trigger_label(r["trigger"]), "count": r["count"]}
            for r in card["top_escalation_reasons"]
        ],
        "feedback": [
            {**r, "label": intents.get(r["intent"], (r["intent"], ""))[0] if r["intent"] else None}
            for r in card["bot_feedback"]
        ],
        "csat_by_outcome": [
            {
                "key": f"csat_by_outcome.{k}",
                "label": outcome_label(k),
                "raw": raw(v),
                "shown": formatting.csat(v),
            }
            for k, v in card["csat_by_outcome"].items()
        ]
        + [
            {
                "key": "csat_mean",
                "label": f"All ratings ({card['csat_count']})",
                "raw": raw(card["csat_mean"]),
                "shown": formatting.csat(card["csat_mean"]),
            }
        ],
        "charts": _charts(card, start, end),
    }


def _times(card: dict) -> list[dict]:
    return [
        {
            "key": key,
            "label": label,
            "note": note,
            "median": {
                "key": f"{key}.median",
                "raw": raw(card[key]["median"]),
                "shown": formatting.duration(card[key]["median"]),
            },
            "p90": {"key": f"{key}.p90", "raw": raw(card[key]["p90"]), "shown": formatting.duration(card[key]["p90"])},
            "count": card[key]["count"],
        }
        for key, label, note in TIMES
    ]


def _by_intent(card: dict, intents: dict[str, tuple[str, str]]) -> list[dict]:
    rows = []
    for row in card["by_intent"]:
        name, about = intents.get(row["intent"], (row["intent"], ""))
        rows.append(
            {
                "intent": row["intent"],
                "name": name,
                "about": about,
                "volume": row["volume"],
                "containment": formatting.percent(row["containment_rate"]),
                "escalation": formatting.percent(row["escalation_rate"]),
                "csat": formatting.csat(row["csat_mean"]),
                "raw": {k: raw(row[k]) for k in ("containment_rate", "escalation_rate", "csat_mean")},
            }
        )
    return rows


def _charts(card: dict, start: date, end: date) -> dict:
    days = daily(start, end)
    waits = daily_waits(start, end, [d["day"] for d in days][-14:])
    return {
        "volume": bar_chart([(f"{d['day']:%b %d}", d["engaged"]) for d in days], title="Engaged conversations by day"),
        "containment": bar_chart(
            [(f"{d['day']:%b %d}", d["containment_rate"]) for d in days], title="Containment by day", unit="%"
        ),
        "triggers": bar_chart(
            [(trigger_label(k), v, f"escalation_by_trigger.{k}") for k, v in card["escalation_by_trigger"].items()],
            title="Escalation by trigger (share of engaged conversations)",
            unit="%",
        ),
        "waits": bar_chart(
            [(f"{w['day']:%b %d} median", w["median"]) for w in waits]
            + [(f"{w['day']:%b %d} 90th pct", w["p90"]) for w in waits],
            title="Handoff wait by day, median and 90th percentile",
            unit="duration",
        ),
        "csat": bar_chart(
            [(outcome_label(k), v, f"csat_by_outcome.{k}") for k, v in card["csat_by_outcome"].items()],
            title="CSAT by outcome (1–5)",
            unit="csat",
        ),
        "sentiment": scale_chart(
            [(f.label.lower(), card[f.key], f.key) for f in SENTIMENTS],
            title="Customer sentiment, −1 most negative to +1 most positive",
            low=-1,
            high=1,
            ends=("most negative", "most positive"),
        ),
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not _is_supervisor(request.user):
        return HttpResponseForbidden("Supervisors only.")
    start, end = _period(request, 30)
    context = _page(start, end, weekly=False)
    since, until = (datetime.combine(d, time.min, tzinfo=timezone.get_current_timezone()) for d in (start, end))
    context["knowledge"] = {
        "articles": content_performance(since=since, until=until),
        "gaps": open_gaps(),
    }
    return render(request, "analytics/dashboard.html", {**context, "nav": "dashboard"})


@login_required
def weekly(request: HttpRequest) -> HttpResponse:
    """The weekly scorecard: the dashboard's figures and charts for seven days, printable."""
    if not _is_supervisor(request.user):
        return HttpResponseForbidden("Supervisors only.")
    start, end = _period(request, 7)
    context = _page(start, end, weekly=True)
    heading = "Weekly scorecard" if (end - start).days == 7 else "Scorecard"
    return render(request, "analytics/weekly.html", {**context, "nav": "weekly", "heading": heading})


@login_required
def live(request: HttpRequest) -> HttpResponse:
    """The desk right now: the board, kept live by static/js/live.js over the agent socket."""
    if not _is_supervisor(request.user):
        return HttpResponseForbidden("Supervisors only.")
    return render(request, "analytics/live.html", {"board": _board(), "nav": "live"})


@login_required
def live_board(request: HttpRequest) -> HttpResponse:
    """The board alone, as the page shows it: what live.js reads again on "desk.changed"."""
    if not _is_supervisor(request.user):
        return HttpResponseForbidden("Supervisors only.")
    response = render(request, "analytics/_live_board.html", {"board": _board()})
    response["Cache-Control"] = "no-store"
    return response


def _board() -> dict[str, Any]:
    board = desk_board()
    local = timezone.localtime(board.at)
    return {
        "at": board.at,
        "shown_at": f"{local:%H:%M:%S}",
        "waiting": board.waiting,
        "online": board.count("online"),
        "away": board.count("away"),
        "offline": len(board.agents) - board.count("online") - board.count("away"),
        "queues": [
            {
                "line": q,
                "longest": formatting.duration(q.longest_wait_seconds) if q.waiting else formatting.NONE,
                "since": f"{timezone.localtime(q.oldest_queued_at):%H:%M}" if q.oldest_queued_at else None,
                "estimate": formatting.duration(q.estimate_seconds),
            }
            for q in board.queues
        ],
        "agents": [
            {
                "agent": a,
                "presence": _presence_label(a),
                "load": f"{a.held} of {a.capacity}"
                + (f" ({formatting.percent(a.held / a.capacity)})" if a.capacity else "")
                + (", full" if a.full else ""),
            }
            for a in board.agents
        ],
        "at_risk": [
            {
                "row": r,
                "where": _where(r),
                "for": formatting.duration((board.at - r.since).total_seconds()) if r.since else formatting.NONE,
            }
            for r in board.at_risk
        ],
    }


def _presence_label(agent: AgentLoad) -> str:
    if agent.unseen:
        return "Offline (connection lost)"
    return {"online": "Online", "away": "Away"}.get(agent.presence, "Offline")


def _where(row: AtRisk) -> str:
    if row.status == "assigned":
        return f"With {row.agent or 'an agent'} ({row.queue or 'no queue'})"
    return f"Waiting in {row.queue or 'no queue'}"
