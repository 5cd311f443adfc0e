"""The analytics SVG chart: labels and titles come from the data (intent names, escalation
triggers a rule may name) and must stay text. Pure: no database, no browser."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from analytics.charts import bar_chart, tile

SVG_NS = "{http://www.w3.org/2000/svg}"
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    '"><svg/onload=alert(3)>',
    "</text></svg><svg onload=alert(4)>",
    "a & b ' \" {{ 7|add:7 }}",
]


def _parse(markup: str) -> ET.Element:
    # The chart is well-formed XML (namespaced so ElementTree reads it as SVG).
    return ET.fromstring(markup.replace('<svg class="chart"', f'<svg xmlns="{SVG_NS[1:-1]}" class="chart"', 1))


@pytest.mark.parametrize("label", HOSTILE)
def test_a_hostile_label_or_title_is_text_in_the_chart(label: str) -> None:
    svg = _parse(bar_chart([(label, 3.0), ("plain", None)], title=label, unit="%"))
    # Structure unchanged by the payload: one <title>, two bars of label, bar and value.
    assert [child.tag.removeprefix(SVG_NS) for child in svg] == ["title"] + ["text", "rect", "text"] * 2
    assert svg.get("aria-label") == label
    assert svg.find(f"{SVG_NS}title").text == label
    labels = svg.findall(f"{SVG_NS}text[@class='chart-label']")
    assert [t.text for t in labels] == [label, "plain"]
    assert svg.find(f"{SVG_NS}rect/{SVG_NS}title").text == f"{label}: 300%"
    assert not [el for el in svg.iter() if any(name.startswith("on") for name in el.attrib)]


def test_a_tile_escapes_its_texts() -> None:
    markup = tile(HOSTILE[0], HOSTILE[1], HOSTILE[2])
    assert "<img" not in markup and "<script" not in markup and "<svg" not in markup
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup
