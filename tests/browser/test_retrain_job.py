"""Retraining from the intents page (issue 18), in Chromium on a real daphne in embedded mode
(the training runs on the tasks runner's thread): the supervisor clicks "Retrain the model",
the click returns at once, another admin page loads while the model trains, and the intents
page shows the progress, then the result, live, without a reload and without breaking the CSP.

The training is the real one on the demo's ~2,000 examples: ~25 s on a 2-core machine.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.markup_checks import new_page
from tests.support.servers import DEMO_PASSWORD, Server, desk_copy

# The demo desk's seeding trains once, the test once more: minutes on a loaded 2-core machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

TRAINING_MS = 240_000  # the demo's training, with room for a loaded machine


@pytest.fixture(scope="module")
def desk(live_daphne: Server, artifacts: Path) -> Iterator[Server]:
    """A daphne on a copy of the live desk's database: the training's new model version stays
    out of the desk other tests share."""
    with desk_copy(live_daphne, artifacts, "retrain") as server:
        yield server


def test_the_supervisor_retrains_and_watches_it_live(desk: Server, chromium) -> None:
    context, page, seen = new_page(chromium)
    page.goto(f"{desk.url}/admin/login/?next=/admin/bots/intent/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{desk.url}/admin/bots/intent/")
    summary, bar = page.locator("#training-summary"), page.locator("#training-progress")
    expect(summary).to_contain_text("No training yet")

    clicked = time.monotonic()
    page.click("#retrain")
    page.wait_for_url(f"{desk.url}/admin/bots/intent/")
    assert time.monotonic() - clicked < 5, "the click waited on the training"
    expect(page.locator(".messagelist")).to_contain_text("Training #1 started")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    # While it trains, the desk answers: another admin page loads, and the job is running.
    expect(summary).to_have_attribute("data-status", "running", timeout=30_000)
    other = context.new_page()
    loaded = time.monotonic()
    answer = other.goto(f"{desk.url}/admin/helpdesk/queue/")
    assert answer is not None and answer.status == 200 and time.monotonic() - loaded < 5
    expect(other.locator("#result_list")).to_contain_text("General")
    running = context.request.get(f"{desk.url}/admin/bots/intent/training/").json()["job"]
    assert running["status"] == "running", running
    # A second click while it runs shows the running one; it starts nothing.
    other.goto(f"{desk.url}/admin/bots/intent/")
    other.click("#retrain")
    expect(other.locator(".messagelist")).to_contain_text("Training #1 is already under way")
    other.close()

    # The progress bar moves as the examples are encoded.
    expect(summary).to_contain_text("encoding examples", timeout=30_000)
    expect(bar).to_be_visible()
    page.wait_for_function(
        "() => { const b = document.getElementById('training-progress'); return b.value > 0.05 && b.value < 1; }",
        timeout=60_000,
    )

    # Then the result, on the same page: the version, its fate and the out-of-scope trade-off.
    expect(summary).to_have_attribute("data-status", "done", timeout=TRAINING_MS)
    expect(summary).to_contain_text(re.compile(r"Training #1 done: version \d+ (is now active|was stored but not)"))
    expect(summary).to_contain_text("hold-out accuracy 0.")
    expect(bar).to_be_hidden()
    expect(page.locator("#training-version a")).to_have_attribute("href", re.compile(r"/admin/bots/modelversion/\d+/"))
    expect(page.locator("#training-curve tbody tr")).to_have_count(8)
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded to show the result"
    assert seen.errors == [] and seen.csp == [] and page.evaluate("window.__csp") == []
    context.close()
