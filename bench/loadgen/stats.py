"""What one run measured: the raw timings and counts, their figures and their summary."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from bench.common import percentile


@dataclass
class Stats:
    agent_ms: list[float] = field(default_factory=list)
    bot_ms: list[float] = field(default_factory=list)
    handshake_errors: int = 0
    lost: int = 0
    duplicate: int = 0
    reordered: int = 0
    gaps: int = 0
    unanswered: int = 0  # bot customers' messages with no bot reply seen before the end
    sent: int = 0
    seconds: float = 0.0  # from the first message sent to the last
    conversations: int = 0
    errors: list[str] = field(default_factory=list)


def summary(values: list[float]) -> str:
    if not values:
        return "n=0"
    return (
        f"n={len(values)} median {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
        f"p99 {percentile(values, 0.99):.1f} ms, max {max(values):.1f} ms"
    )


def figures(stats: Stats) -> dict:
    def pct(values: list[float], q: float) -> float | None:
        return round(percentile(values, q), 1) if values else None

    return {
        "conversations": stats.conversations,
        "messages_sent": stats.sent,
        "messages_per_s": round(stats.sent / stats.seconds, 1) if stats.seconds else None,
        "agent_median_ms": pct(stats.agent_ms, 0.5),
        "agent_p95_ms": pct(stats.agent_ms, 0.95),
        "agent_p99_ms": pct(stats.agent_ms, 0.99),
        "agent_max_ms": round(max(stats.agent_ms), 1) if stats.agent_ms else None,
        "bot_median_ms": pct(stats.bot_ms, 0.5),
        "bot_p95_ms": pct(stats.bot_ms, 0.95),
        "bot_p99_ms": pct(stats.bot_ms, 0.99),
        "bot_max_ms": round(max(stats.bot_ms), 1) if stats.bot_ms else None,
        "lost": stats.lost,
        "duplicate": stats.duplicate,
        "reordered": stats.reordered,
        "gaps": stats.gaps,
        "unanswered": stats.unanswered,
        "handshake_errors": stats.handshake_errors,
    }


def print_run(label: str, stats: Stats) -> None:
    rate = stats.sent / stats.seconds if stats.seconds else 0.0
    print(
        f"\n== {label}: {stats.conversations} conversations, {stats.sent} messages "
        f"({rate:.1f} messages/s over {stats.seconds:.0f} s)"
    )
    print(f"customer -> agent: {summary(stats.agent_ms)}")
    print(f"bot reply:         {summary(stats.bot_ms)}")
    print(
        f"lost {stats.lost}, duplicate {stats.duplicate}, reordered {stats.reordered}, seq gaps {stats.gaps}, "
        f"bot questions unanswered {stats.unanswered}, handshake errors {stats.handshake_errors}"
    )
    for line in stats.errors[:10]:
        print(f"  {line}")
