"""The supervisors' pages pass axe-core's serious and critical checks (tests/support/axe.py):
the analytics dashboard, weekly report and live board, the knowledge base's article list and
page, the rules' list and builder, and the intents page with its Retrain button.

On the desk the markup tests share (tests/browser/conftest.py): conversations, a handoff, an
article with a history and owners, so the tables and charts have rows to check.
"""

from __future__ import annotations

import pytest

from tests.support.axe import serious_violations
from tests.support.markup_checks import WAIT_MS, Desk

pytestmark = [pytest.mark.browser]


def _pages(desk: Desk) -> dict[str, str]:
    return {
        "dashboard": "/analytics/",
        "weekly report": "/analytics/weekly/",
        "article list": "/admin/helpdesk/article/",
        "article page": f"/admin/helpdesk/article/{desk.ids['article']}/change/",
        "live board": "/analytics/live/",
        "rule list": "/admin/routing/rule/",
        "new rule": "/admin/routing/rule/add/",
        "intents": "/admin/bots/intent/",
    }


@pytest.mark.parametrize(
    "name",
    ["dashboard", "weekly report", "article list", "article page", "live board", "rule list", "new rule", "intents"],
)
def test_the_page_has_no_serious_accessibility_violations(
    desk: Desk, chromium, supervisor_state: dict, name: str
) -> None:
    context = chromium.new_context(storage_state=supervisor_state, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        answer = page.goto(desk.url + _pages(desk)[name], timeout=WAIT_MS)
        assert answer is not None and answer.status == 200, name
        page.wait_for_load_state("networkidle", timeout=WAIT_MS)
        found = serious_violations(page)
        assert found == [], f"{name}:\n" + "\n".join(found)
    finally:
        context.close()


def test_axe_sees_a_violation_when_there_is_one(desk: Desk, chromium) -> None:
    """The check can fail: an image without words is reported, with where it is."""
    context = chromium.new_context()
    page = context.new_page()
    try:
        page.goto(f"{desk.url}/login/", timeout=WAIT_MS)
        page.evaluate(
            """() => {
              const img = document.createElement('img');
              img.src = '/static/none.png';
              img.id = 'axe-probe';
              document.body.appendChild(img);
            }"""
        )
        found = serious_violations(page)
        assert any(line.startswith("image-alt (critical)") and "#axe-probe" in line for line in found), found
    finally:
        context.close()
