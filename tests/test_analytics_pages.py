"""The analytics pages against the scorecard API and its CSV: one period, one set of figures.

Each page writes, beside every figure it shows, the figure's key (as the scorecard CSV names it)
and its raw value (`data-metric`, `data-value`). These tests read the pages, the API and the CSV
for the same period and check that they agree on every figure, that what the page prints is that
value in its unit, and that sentiment stays on its −1..1 scale."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db.models import F

from analytics import formatting
from analytics.figures import SENTIMENTS, TILES, TIMES
from analytics.labels import TRIGGERS
from helpdesk.models import Conversation
from tests.support.scorecard_cases import scripted, today  # noqa: F401 - the shared fixture

db = pytest.mark.django_db(transaction=True)


class _Figures(HTMLParser):
    """{data-metric: (data-value, the element's text)} and every link's href."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, tuple[str, str]] = {}
        self.links: list[str] = []
        self.inline: list[str] = []
        self._open: list[tuple[str, str, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if "style" in attributes or (tag == "script" and "src" not in attributes) or tag == "style":
            self.inline.append(tag)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if "data-metric" in attributes:
            self._open.append((tag, attributes["data-metric"], attributes.get("data-value", ""), []))

    def handle_data(self, data: str) -> None:
        for *_, text in self._open:
            text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            _, key, value, text = self._open.pop()
            shown = " ".join("".join(text).split())
            assert self.figures.setdefault(key, (value, shown)) == (value, shown), f"{key} shown two ways"


def _page(client, path: str) -> _Figures:
    answer = client.get(path)
    assert answer.status_code == 200
    parser = _Figures()
    parser.feed(answer.content.decode())
    return parser


def _csv(client, path: str) -> dict[str, str]:
    answer = client.get(path)
    assert answer.status_code == 200
    return dict(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))


def _flatten(prefix: str, value) -> dict:
    """The API's JSON, keyed as the CSV keys it (docs/metrics.md)."""
    if isinstance(value, dict):
        out = {}
        for key, inner in value.items():
            out |= _flatten(f"{prefix}.{key}" if prefix else key, inner)
        return out
    if isinstance(value, list):
        out = {}
        for index, inner in enumerate(value):
            out |= _flatten(f"{prefix}.{inner.get('intent') or inner.get('trigger') or index}", inner)
        return out
    return {prefix: value}


def _kind(key: str) -> str:
    if key.startswith("sentiment_"):
        return "sentiment"
    if key.endswith((".median", ".p90")):
        return "duration"
    if key.endswith("_rate") or key.startswith("escalation_by_trigger."):
        return "rate"
    if key.startswith("csat_by_outcome.") or key.endswith("csat_mean"):
        return "csat"
    return "count"


def _number(shown: str) -> float:
    return float(shown.replace(formatting.MINUS, "-").removeprefix("+"))


@db
def test_the_pages_the_api_and_the_csv_agree_on_every_figure(client, scripted, supervisor) -> None:  # noqa: F811 - the imported fixture
    start, end = today()
    period = f"start={start}&end={end}"
    client.force_login(supervisor.user)
    api = _flatten("", client.get(f"/api/v1/analytics/scorecard/?{period}").json())
    exported = _csv(client, f"/api/v1/analytics/scorecard.csv?{period}")
    pages = {path: _page(client, f"{path}?{period}").figures for path in ("/analytics/", "/analytics/weekly/")}

    # The CSV is the API, flattened: every key, every value.
    assert exported.pop("metric") == "value"
    assert set(exported) == set(api)
    for key, value in api.items():
        assert exported[key] == ("" if value is None else str(value)), key

    shown_everywhere = [f.key for f in TILES + SENTIMENTS] + [f"{k}.{p}" for k, *_ in TIMES for p in ("median", "p90")]
    shown_everywhere += [f"escalation_by_trigger.{t}" for t in ("explicit_request", "topic_rule")]
    shown_everywhere += ["csat_by_outcome.contained", "csat_by_outcome.handed_off_resolved"]
    shown_everywhere += ["by_intent.payment_methods.containment_rate", "top_escalation_reasons.explicit_request.count"]
    for path, figures in pages.items():
        assert set(shown_everywhere) <= set(figures), (path, set(shown_everywhere) - set(figures))
        for key, (raw, shown) in figures.items():
            assert key in api, (path, key)
            assert raw == ("" if api[key] is None else repr(api[key])), (path, key)
            # What the page prints is the API's value, in its unit, rounded one way.
            assert shown == formatting.shown(_kind(key), api[key]), (path, key, shown)
    # And the two pages print the same figure the same way.
    dashboard, weekly = pages.values()
    for key in set(dashboard) & set(weekly):
        assert dashboard[key] == weekly[key], key

    # Figures worked out by hand (tests/support/scorecard_cases.py), as a supervisor reads them.
    assert dashboard["containment_rate"][1] == "16.7%"
    assert dashboard["escalation_by_trigger.explicit_request"][1] == "50%"
    assert dashboard["csat_mean"][1] == "4.00 / 5" and dashboard["volume"][1] == "7"
    assert dashboard["top_escalation_reasons.explicit_request.count"][1] == "3"


@db
def test_sentiment_lies_in_minus_one_to_one_everywhere(client, scripted, supervisor) -> None:  # noqa: F811 - the imported fixture
    start, end = today()
    period = f"start={start}&end={end}"
    client.force_login(supervisor.user)
    card = client.get(f"/api/v1/analytics/scorecard/?{period}").json()
    exported = _csv(client, f"/api/v1/analytics/scorecard.csv?{period}")
    keys = [f.key for f in SENTIMENTS]
    assert any(card[key] is not None for key in keys)
    for path in ("/analytics/", "/analytics/weekly/"):
        figures = _page(client, f"{path}?{period}").figures
        for key in keys:
            if card[key] is None:
                continue
            assert -1 <= card[key] <= 1 and -1 <= float(exported[key]) <= 1
            assert -1 <= _number(figures[key][1]) <= 1, (path, key, figures[key])
            assert abs(_number(figures[key][1]) - card[key]) <= 0.005, (path, key)
    html = client.get(f"/analytics/?{period}").content.decode()
    # The chart is drawn on its own scale, with the zero line and both ends named.
    assert 'class="chart-zero"' in html and "most negative" in html and "most positive" in html


@db
def test_names_in_words_and_durations_in_units(client, scripted, supervisor) -> None:  # noqa: F811 - the imported fixture
    client.force_login(supervisor.user)
    start, end = today()
    for path in ("/analytics/", "/analytics/weekly/"):
        html = client.get(f"{path}?start={start}&end={end}").content.decode()
        assert "Asked for a person" in html and "Topic for a team" in html
        assert ">explicit_request<" not in html and ">explicit request<" not in html
        assert "Payment methods" in html and ">payment_methods<" not in html
        assert "Which ways to pay are accepted" in html  # the intent's own description
        assert "Resolved by the bot" in html


def _tile(tiles: str, key: str) -> str:
    """The one tile that shows `key`: from its opening to the next tile's."""
    at = tiles.index(f'data-metric="{key}"')
    start = tiles.rindex('<div class="tile">', 0, at)
    end = tiles.find('<div class="tile">', at)
    return tiles[start : end if end != -1 else None]


@db
def test_each_tile_compares_with_the_previous_period(client, scripted, supervisor) -> None:  # noqa: F811 - the imported fixture
    # The contained conversation moves to yesterday: today has none contained, yesterday all.
    Conversation.objects.filter(pk=scripted["contained"].pk).update(created_at=F("created_at") - timedelta(days=1))
    start, end = today()
    client.force_login(supervisor.user)
    html = client.get(f"/analytics/?start={start}&end={end}").content.decode()
    tiles = html[html.index('class="tiles"') : html.index('class="trend-key"')]
    assert tiles.count('<div class="tile">') == 8
    containment = _tile(tiles, "containment_rate")
    assert ">0%<" in containment and "trend-worse" in containment
    assert "▼" in containment and "previous 100%" in containment and "· worse" in containment
    escalation = _tile(tiles, "escalation_rate")
    assert ">80%<" in escalation and "▲" in escalation and "previous 0%" in escalation and "· worse" in escalation
    assert "compare with the 1 day before" in html


@db
def test_both_pages_link_the_staff_pages_under_the_csp(client, queues, supervisor) -> None:
    client.force_login(supervisor.user)
    for path in ("/analytics/", "/analytics/weekly/"):
        page = _page(client, path)
        assert {"/inbox/", "/analytics/", "/analytics/weekly/", "/admin/"} <= set(page.links), path
        assert not page.inline, (path, page.inline)  # no inline script or style: the CSP forbids them


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "—"),
        (0.08, "0.08 s"),
        (4.23, "4.2 s"),
        (9.94, "9.9 s"),
        (42.4, "42 s"),
        (173.357, "2 min 53 s"),
        (120, "2 min"),
        (5400, "1 h 30 min"),
        (93600, "1 d 2 h"),
    ],
)
def test_durations_read_in_units(seconds, shown) -> None:
    assert formatting.duration(seconds) == shown


def test_rates_sentiment_and_names() -> None:
    assert [formatting.percent(v) for v in (None, 0, 0.1667, 0.5, 1)] == ["—", "0%", "16.7%", "50%", "100%"]
    assert [formatting.sentiment(v) for v in (-0.1059, -0.4342, 0.4, 0.0, -0.001)] == [
        "−0.11",
        "−0.43",
        "+0.40",
        "0.00",
        "0.00",
    ]
    # Every trigger a handoff is recorded with has a name (docs/metrics.md lists them).
    for trigger in ("explicit_request", "negative_sentiment", "stale_article", "bot_failure", "topic_rule"):
        assert TRIGGERS[trigger] and "_" not in TRIGGERS[trigger]


def test_sentiment_is_drawn_either_side_of_the_zero_line() -> None:
    import xml.etree.ElementTree as ET

    from analytics.charts import scale_chart

    ns = "{http://www.w3.org/2000/svg}"
    markup = scale_chart(
        [("before", -0.5, "a"), ("after", 0.25, "b")],
        title="t",
        low=-1,
        high=1,
        ends=("most negative", "most positive"),
    )
    svg = ET.fromstring(markup.replace("<svg ", f'<svg xmlns="{ns[1:-1]}" ', 1))
    zero = float(next(line for line in svg.iter(f"{ns}line") if line.get("class") == "chart-zero").get("x1"))
    negative, positive = svg.findall(f"{ns}rect")
    # −0.5 ends left of zero at a quarter of the scale's width; +0.25 starts at zero.
    assert float(negative.get("x")) + float(negative.get("width")) == pytest.approx(zero, abs=0.1)
    assert float(positive.get("x")) == pytest.approx(zero, abs=0.1)
    assert float(negative.get("width")) == pytest.approx(2 * float(positive.get("width")), abs=0.2)
    values = [t.text for t in svg.iter(f"{ns}text") if t.get("class") == "chart-value"]
    ticks = [t.text for t in svg.iter(f"{ns}text") if t.get("class") == "chart-tick"]
    assert values == ["−0.50", "+0.25"] and ticks == ["−1", "0", "+1", "most negative", "most positive"]
