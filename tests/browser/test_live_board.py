"""The live desk in headless Chromium against the real ASGI app (the `live_daphne` fixture):
a supervisor watches /analytics/live/ while a customer is handed over, an agent comes online
and takes the chat, then steps away. The board follows each change over the agent socket,
without a reload and without polling.
"""

from __future__ import annotations

import re

import playwright.sync_api as playwright_sync
import pytest

from tests.support.browser import chromium

pytestmark = [pytest.mark.browser]

expect = playwright_sync.expect

WAIT_MS = 15_000
PASSWORD = "demo-pass-123"


@pytest.fixture
def browser():
    with chromium() as launched:
        yield launched


def _signed_in(browser, base: str, username: str, path: str, requests: list[str] | None = None):
    """A signed-in page at `path`; `requests` collects the URLs of its board reads from the start."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if requests is not None:
        context.on("request", lambda r: requests.append(r.url) if "/analytics/live/board/" in r.url else None)
    page = context.new_page()
    page.goto(f"{base}/login/?next={path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(rf".*{re.escape(path)}$"), timeout=WAIT_MS)
    return context, page


def test_the_board_follows_a_handoff_and_an_agent_stepping_away(live_daphne, browser) -> None:
    base = live_daphne.url.rstrip("/")
    requests: list[str] = []
    boss_ctx, board = _signed_in(browser, base, "supervisor", "/analytics/live/", requests)
    expect(board.locator("h1")).to_have_text("The desk right now")
    general = board.locator('tr[data-queue="General"]')
    grace = board.locator('tr[data-agent="Grace"]')
    # The board reads itself once the socket is open; nothing changes, so nothing more is read.
    for _ in range(50):
        if requests:
            break
        board.wait_for_timeout(100)
    board.wait_for_timeout(1500)
    assert len(requests) == 1, requests
    waiting_before = int(general.locator('[data-cell="waiting"]').inner_text())
    # The whole desk's count: other modules may leave chats waiting in other queues.
    desk_before = int(re.search(r"(\d+) waiting", board.locator("#live-summary").inner_text()).group(1))
    expect(grace.locator('[data-cell="presence"]')).to_have_text("Offline")
    board.evaluate("() => { window.notReloaded = true; }")

    # --- A customer asks for a person: General's line grows. --------------------------------
    customer_ctx = browser.new_context(viewport={"width": 390, "height": 844})
    customer = customer_ctx.new_page()
    customer.goto(f"{base}/chat/")
    customer.fill("#prechat-name", "Lena Livedesk")
    customer.click("#chat-start")
    expect(customer.locator('#messages .msg[data-sender="bot"]')).to_have_count(1, timeout=WAIT_MS)
    talk = customer.locator("#talk-to-human")
    expect(talk).to_be_enabled(timeout=WAIT_MS)
    talk.click()
    expect(customer.locator("#chat-status")).to_contain_text("Waiting", timeout=WAIT_MS)
    expect(general.locator('[data-cell="waiting"]')).to_have_text(str(waiting_before + 1), timeout=WAIT_MS)
    expect(board.locator("#live-summary")).to_contain_text(f"{desk_before + 1} waiting")
    # Between reads the longest wait keeps counting, on the server's clock.
    longest = general.locator('[data-cell="longest"] [data-since]')
    first = longest.inner_text()
    expect(longest).not_to_have_text(first, timeout=5_000)
    assert re.fullmatch(r"\d+(\.\d+)? s|\d+ min( \d+ s)?", longest.inner_text()), longest.inner_text()

    # --- Grace comes online and is given the chat. ------------------------------------------
    agent_ctx, inbox = _signed_in(browser, base, "agent_general", "/inbox/")
    expect(inbox.locator("#mine-list .conv-item").filter(has_text="Lena Livedesk")).to_have_count(1, timeout=WAIT_MS)
    expect(grace.locator('[data-cell="presence"]')).to_have_text("Online", timeout=WAIT_MS)
    expect(grace.locator('[data-cell="load"]')).to_contain_text("1 of", timeout=WAIT_MS)
    expect(general.locator('[data-cell="waiting"]')).to_have_text(str(waiting_before), timeout=WAIT_MS)

    # --- Grace steps away: the board says so, in words. -------------------------------------
    inbox.click("#presence-toggle")
    expect(inbox.locator("#presence-label")).to_have_text("Away", timeout=WAIT_MS)
    expect(grace.locator('[data-cell="presence"]')).to_have_text("Away", timeout=WAIT_MS)
    assert board.evaluate("() => window.notReloaded") is True
    # Every read of the board followed a push; a burst of them (handoff, assignment) folds.
    assert 1 < len(requests) <= 6, requests
    expect(board.locator("h1")).to_have_count(1)

    # The desk is shared with later tests: the chat is closed and Grace's slot is free again.
    inbox.click("#presence-toggle")
    expect(inbox.locator("#presence-label")).to_have_text("Online", timeout=WAIT_MS)
    # The board's links open a conversation in the inbox: /inbox/#conversation=<id>.
    conversation_id = (
        inbox.locator("#mine-list .conv-item").filter(has_text="Lena Livedesk").get_attribute("data-conversation-id")
    )
    linked = agent_ctx.new_page()
    linked.goto(f"{base}/inbox/#conversation={conversation_id}")
    expect(linked.locator("#packet")).to_contain_text("Lena Livedesk", timeout=WAIT_MS)
    linked.click("#resolve-btn")
    expect(customer.locator("#chat-status")).to_contain_text("esolved", timeout=WAIT_MS)
    for context in (customer_ctx, agent_ctx, boss_ctx):
        context.close()
