"""The knee: raise the load until p99 passes 1 s, and plot latency against it."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bench.loadgen.crowd import one_run
from bench.loadgen.stack import Stack
from bench.loadgen.stats import figures, print_run


def knee(stack: Stack, args: argparse.Namespace) -> list[dict]:
    """Raise connections and message rate together until either p99 passes 1 s."""
    steps = []
    for customers in args.knee_steps:
        stats = asyncio.run(one_run(stack, customers, args.knee_messages, args.knee_interval))
        row = {"customers": customers, "offered_msgs_per_s": round(customers / args.knee_interval, 1), **figures(stats)}
        steps.append(row)
        print_run(f"knee step: {customers} customers, 1 message / {args.knee_interval} s each", stats)
        worst = max(row["agent_p99_ms"] or 0, row["bot_p99_ms"] or 0)
        if worst > 1000 or stats.handshake_errors:
            print(f"knee: p99 passed 1 s at {customers} connections, {row['messages_per_s']} messages/s")
            break
    return steps


def plot(steps: list[dict], path: Path) -> None:
    """Latency against offered load, an SVG with log-scaled latency."""
    import math

    width, height, left, bottom, top, right = 780, 420, 70, 50, 30, 180
    xs = [s["messages_per_s"] for s in steps]
    series = {
        "customer→agent p50": ("agent_median_ms", "#2b6cb0", ""),
        "customer→agent p99": ("agent_p99_ms", "#2b6cb0", "6 4"),
        "bot reply p50": ("bot_median_ms", "#c05621", ""),
        "bot reply p99": ("bot_p99_ms", "#c05621", "6 4"),
    }
    lo, hi = 1.0, 10_000.0
    x_max = max(xs) * 1.05

    def px(x: float) -> float:
        return left + (x / x_max) * (width - left - right)

    def py(y: float) -> float:
        y = min(max(y, lo), hi)
        return top + (1 - (math.log10(y) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))) * (
            height - top - bottom
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="18" font-size="14">Latency against load (production mode, one 2-core machine)</text>',
    ]
    for tick in (1, 10, 100, 1000, 10000):
        y = py(tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{tick} ms</text>')
    y1s = py(1000)
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y1s:.1f}" y2="{y1s:.1f}" stroke="#c53030"/>')
    for step in steps:
        x = px(step["messages_per_s"])
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">{step["messages_per_s"]:g}</text>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 30}" text-anchor="middle" fill="#666">{step["customers"]}</text>'
        )
    parts.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 4}" text-anchor="middle">customer messages/s '
        "(grey: customers connected, plus 10 agents)</text>"
    )
    for i, (name, (key, colour, dash)) in enumerate(series.items()):
        points = [(px(s["messages_per_s"]), py(s[key])) for s in steps if s.get(key)]
        if points:
            path_d = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f'<polyline points="{path_d}" fill="none" stroke="{colour}" stroke-width="2" '
                f'stroke-dasharray="{dash}"/>'
            )
        ly = top + 20 + i * 20
        parts.append(
            f'<line x1="{width - right + 10}" x2="{width - right + 35}" y1="{ly}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{dash}"/>'
        )
        parts.append(f'<text x="{width - right + 40}" y="{ly + 4}">{name}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n")
    print(f"wrote {path}")
