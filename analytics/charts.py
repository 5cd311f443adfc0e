"""Small SVG charts drawn by our own code: bars with their values written on them, so nothing
is told by colour alone. Returns markup built from numbers and escaped labels only."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from . import formatting

BAR_H, GAP, LABEL_W = 18, 8, 150
# What the pages pass as `unit`, and how a value in it is written (analytics/formatting.py).
UNITS = {
    "%": formatting.percent,
    " s": formatting.duration,
    "duration": formatting.duration,
    "csat": formatting.csat,
    "sentiment": formatting.sentiment,
}

Row = tuple[str, float | None] | tuple[str, float | None, str]


def bar_chart(rows: list[Row], *, title: str, unit: str = "", width: int = 560) -> SafeString:
    """Horizontal bars: one row per label, the value printed after the bar. A row's optional
    third item is the scorecard key of its value, written as `data-metric` beside it.

    Built with format_html only: labels come from the data (intent names, triggers) and every
    piece is escaped by construction, so no edit here can let one be read as markup."""
    values = [row[1] for row in rows if row[1] is not None]
    top = max(values) if values else 1
    top = top or 1
    height = len(rows) * (BAR_H + GAP) + GAP
    rows_markup = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" rx="3" class="chart-bar"><title>{}: {}</title></rect>'
        '<text x="{}" y="{}" class="chart-value"{}>{}</text>',
        (_bar_args(index, row, unit=unit, top=top, width=width) for index, row in enumerate(rows)),
    )
    return format_html(
        '<svg class="chart" role="img" viewBox="0 0 {} {}" width="100%" aria-label="{}"><title>{}</title>{}</svg>',
        width,
        height,
        title,
        title,
        rows_markup,
    )


def _bar_args(index: int, row: Row, *, unit: str, top: float, width: int) -> tuple:
    """One bar's pieces for the row template: numbers formatted here, text escaped by it."""
    label, value = row[0], row[1]
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
        _metric(row, value),
        shown,
    )


def _metric(row: Row, value: float | None) -> SafeString:
    if len(row) < 3:
        return SafeString("")
    return format_html(' data-metric="{}" data-value="{}"', row[2], "" if value is None else repr(value))


def _shown(value: float | None, unit: str) -> str:
    if unit in UNITS:
        return UNITS[unit](value)
    if value is None:
        return formatting.NONE
    return f"{value:g}{unit}"


def scale_chart(
    rows: list[Row], *, title: str, low: float, high: float, ends: tuple[str, str], width: int = 560
) -> SafeString:
    """Bars from zero on a fixed scale `low..high` that spans zero (sentiment: −1..1), with the
    zero line drawn and both ends labelled, so a negative mean reads as negative. Values are
    written with formatting.sentiment; rows as in bar_chart."""
    plot_left, plot_right = LABEL_W + 44, width - 48
    span = high - low
    zero = plot_left + (plot_right - plot_left) * (0 - low) / span
    rows_h = len(rows) * (BAR_H + GAP) + GAP
    height = rows_h + 34

    def x_of(value: float) -> float:
        return plot_left + (plot_right - plot_left) * (min(max(value, low), high) - low) / span

    def pieces(index: int, row: Row) -> tuple:
        label, value = row[0], row[1]
        y = GAP + index * (BAR_H + GAP)
        shown = formatting.sentiment(value)
        end = zero if value is None else x_of(value)
        left, bar = min(zero, end), abs(end - zero)
        negative = value is not None and value < 0
        return (
            LABEL_W - 6, y + 13, label,
            f"{left:.1f}", y, f"{bar:.1f}", BAR_H, label, shown,
            f"{end - 6 if negative else end + 6:.1f}", y + 13, "end" if negative else "start",
            _metric(row, value), shown,
        )  # fmt: skip

    bars = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" class="chart-bar"><title>{}: {}</title></rect>'
        '<text x="{}" y="{}" text-anchor="{}" class="chart-value"{}>{}</text>',
        (pieces(index, row) for index, row in enumerate(rows)),
    )
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="{}" class="chart-tick">{}</text>',
        (
            (f"{plot_left:.1f}", rows_h + 14, "middle", _tick(low)),
            (f"{zero:.1f}", rows_h + 14, "middle", "0"),
            (f"{plot_right:.1f}", rows_h + 14, "middle", _tick(high)),
            (f"{plot_left:.1f}", rows_h + 28, "start", ends[0]),
            (f"{plot_right:.1f}", rows_h + 28, "end", ends[1]),
        ),
    )
    return format_html(
        '<svg class="chart chart-scale" role="img" viewBox="0 0 {} {}" width="100%" aria-label="{}"><title>{}</title>'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="chart-axis"></line>'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="chart-zero"></line>{}{}</svg>',
        width, height, title, title,
        f"{plot_left:.1f}", f"{plot_right:.1f}", rows_h, rows_h,
        f"{zero:.1f}", f"{zero:.1f}", 2, rows_h + 3,
        bars, ticks,
    )  # fmt: skip


def _tick(value: float) -> str:
    return f"{value:+g}".replace("-", formatting.MINUS)


def tile(label: str, value: str, note: str = "") -> SafeString:
    """A plain tile; the pages' own tiles, with a trend, are templates/analytics/_tile.html."""
    return format_html(
        '<div class="tile"><div class="tile-label">{}</div><div class="tile-value">{}</div>'
        '<div class="tile-note">{}</div></div>',
        label,
        value,
        note,
    )
