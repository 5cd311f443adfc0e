"""Small SVG charts drawn by our own code: bars with their values written on them, so nothing
is told by colour alone. Returns markup built from numbers and escaped labels only."""

from __future__ import annotations

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


def bar_chart(rows: list[tuple[str, float | None]], *, title: str, unit: str = "", width: int = 560) -> SafeString:
    """Horizontal bars: one row per label, the value printed after the bar."""
    bar_h, gap, label_w = 18, 8, 150
    values = [v for _, v in rows if v is not None]
    top = max(values) if values else 1
    top = top or 1
    height = len(rows) * (bar_h + gap) + gap
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for index, (label, value) in enumerate(rows):
        y = gap + index * (bar_h + gap)
        length = 0 if value is None else max(1, (width - label_w - 70) * value / top)
        if value is None:
            shown = "—"
        elif unit == "%":
            shown = f"{value:.0%}"
        elif unit == " s":
            shown = f"{value:.0f} s"
        else:
            shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" class="chart-label">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" rx="3" class="chart-bar">'
            f"<title>{escape(label)}: {escape(shown)}</title></rect>"
            f'<text x="{label_w + length + 6:.1f}" y="{y + 13}" class="chart-value">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every dynamic piece above is escaped


def tile(label: str, value: str, note: str = "") -> SafeString:
    return format_html(
        '<div class="tile"><div class="tile-label">{}</div><div class="tile-value">{}</div>'
        '<div class="tile-note">{}</div></div>',
        label,
        value,
        note,
    )
