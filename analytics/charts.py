"""Small SVG charts drawn by our own code: bars with their values written on them, so nothing
is told by colour alone. Returns markup built from numbers and escaped labels only."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR_H, GAP, LABEL_W = 18, 8, 150


def bar_chart(rows: list[tuple[str, float | None]], *, title: str, unit: str = "", width: int = 560) -> SafeString:
    """Horizontal bars: one row per label, the value printed after the bar.

    Built with format_html only: labels come from the data (intent names, triggers) and every
    piece is escaped by construction, so no edit here can let one be read as markup."""
    values = [v for _, v in rows if v is not None]
    top = max(values) if values else 1
    top = top or 1
    height = len(rows) * (BAR_H + GAP) + GAP
    rows_markup = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" rx="3" class="chart-bar"><title>{}: {}</title></rect>'
        '<text x="{}" y="{}" class="chart-value">{}</text>',
        (_bar_args(index, label, value, unit=unit, top=top, width=width) for index, (label, value) in enumerate(rows)),
    )
    return format_html(
        '<svg class="chart" role="img" viewBox="0 0 {} {}" width="100%" aria-label="{}"><title>{}</title>{}</svg>',
        width,
        height,
        title,
        title,
        rows_markup,
    )


def _bar_args(index: int, label: str, value: float | None, *, unit: str, top: float, width: int) -> tuple:
    """One bar's pieces for the row template: numbers formatted here, text escaped by it."""
    y = GAP + index * (BAR_H + GAP)
    length = 0 if value is None else max(1, (width - LABEL_W - 70) * value / top)
    shown = _shown(value, unit)
    return (
        LABEL_W - 6,
        y + 13,
        label,
        LABEL_W,
        y,
        f"{length:.1f}",
        BAR_H,
        label,
        shown,
        f"{LABEL_W + length + 6:.1f}",
        y + 13,
        shown,
    )


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.0%}"
    if unit == " s":
        return f"{value:.0f} s"
    return f"{value:g}{unit}"


def tile(label: str, value: str, note: str = "") -> SafeString:
    return format_html(
        '<div class="tile"><div class="tile-label">{}</div><div class="tile-value">{}</div>'
        '<div class="tile-note">{}</div></div>',
        label,
        value,
        note,
    )
