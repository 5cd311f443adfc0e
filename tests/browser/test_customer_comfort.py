"""The chat as a customer feels it (issue 17), in headless Chromium against a real daphne:

- the widget: one script tag on another site's page opens the chat in a launcher bubble, and a
  message round-trips through the framed chat;
- while waiting with nobody online, no wait is promised and the callback is one click away,
  sending a labelled message;
- the header names the agent once one takes the chat, and the assistant again after a
  hand-back; addresses in messages are links, other schemes stay text;
- a customer who ends the chat is asked for a rating.

One desk for the module: a daphne on a copy of the `live_daphne` database (its demo data come
for free) that allows the fake shop's origin to frame the chat.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest

from tests.support.axe import serious_violations
from tests.support.browser import chromium
from tests.support.servers import Server, desk_copy, free_port
from tests.support.wsclient import agent_frames

pytestmark = [pytest.mark.browser]

expect = playwright_sync.expect
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def shop() -> Iterator[tuple[str, list[str]]]:
    """Another site: `http://localhost:<port>` (the desk is on 127.0.0.1, so another site
    altogether), serving one page whose script tag the test fills in."""
    port = free_port()
    page: list[str] = [""]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            body = page[0].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{port}", page
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def desk(live_daphne, artifacts: Path, shop) -> Iterator[Server]:
    with desk_copy(
        live_daphne, artifacts, "comfort", HELPDESK_EMBED_ORIGINS=shop[0], ALLOWED_HOSTS="127.0.0.1,localhost"
    ) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def _start(page, base: str, name: str, email: str = "") -> None:
    page.goto(f"{base}/chat/")
    page.fill("#prechat-name", name)
    if email:
        page.fill("#prechat-email", email)
    page.click("#chat-start")
    expect(page.locator("#chat-input")).to_be_enabled(timeout=WAIT_MS)


def _say(page, text: str) -> None:
    page.fill("#chat-input", text)
    page.click("#chat-send")
    mine = page.locator('#messages .msg[data-sender="customer"]:not(.is-pending)')
    expect(mine.filter(has_text=text.split()[0])).not_to_have_count(0, timeout=WAIT_MS)


def _conversation_id(page) -> str:
    return json.loads(page.evaluate("() => localStorage.getItem('helpdesk.chat.v1')"))["id"]


def test_the_widget_opens_on_another_site_and_a_message_round_trips(desk, shop, browser) -> None:
    origin, page_html = shop
    base = desk.url.rstrip("/")
    page_html[0] = (
        "<!doctype html><html lang=en><head><title>A shop</title></head><body><h1>A shop</h1>"
        f'<script src="{base}/static/js/widget.js" data-desk="{base}" defer></script></body></html>'
    )
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{origin}/")
    launcher = page.locator("#helpdesk-widget-launcher")
    expect(launcher).to_be_visible(timeout=WAIT_MS)
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(page.locator("#helpdesk-widget-frame")).to_be_visible(timeout=WAIT_MS)
    chat = page.frame_locator("#helpdesk-widget-frame")
    expect(chat.locator("body.page-chat-embedded")).to_have_count(1, timeout=WAIT_MS)
    chat.locator("#chat-start").click()
    expect(chat.locator("#chat-input")).to_be_enabled(timeout=WAIT_MS)
    chat.locator("#chat-input").fill("where is my order?")
    chat.locator("#chat-send").click()
    expect(chat.locator('#messages .msg[data-sender="customer"]:not(.is-pending)')).to_have_count(1, timeout=WAIT_MS)
    expect(chat.locator('#messages .msg[data-sender="bot"]')).not_to_have_count(0, timeout=WAIT_MS)
    # The launcher closes it again.
    launcher.click()
    expect(page.locator("#helpdesk-widget-frame")).to_be_hidden()
    context.close()


def test_a_site_that_is_not_allowed_cannot_frame_the_chat(desk) -> None:
    status, _ = 200, None
    import urllib.request

    with urllib.request.urlopen(f"{desk.url}/chat/?embed=1", timeout=10) as answer:
        policy = answer.headers["Content-Security-Policy"]
        status = answer.status
    assert status == 200
    ancestors = next(d for d in policy.split("; ") if d.startswith("frame-ancestors"))
    assert ancestors.split()[1:] == ["'self'", desk.env["HELPDESK_EMBED_ORIGINS"]]
    with urllib.request.urlopen(f"{desk.url}/login/", timeout=10) as answer:
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Frame-Options"] == "DENY"


def test_waiting_with_nobody_online_offers_the_callback_not_a_wait(desk, browser) -> None:
    base = desk.url.rstrip("/")
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    _start(page, base, "Wai Ting")
    _say(page, "hello there")
    expect(page.locator("#talk-to-human")).to_be_enabled(timeout=WAIT_MS)
    page.click("#talk-to-human")
    status = page.locator("#chat-status")
    expect(status).to_contain_text("Waiting", timeout=WAIT_MS)
    expect(status).to_contain_text("nobody is online", timeout=WAIT_MS)
    expect(status).not_to_contain_text("min")
    callback = page.locator("#chat-callback")
    expect(callback).to_be_visible()
    # The banner's button works whatever the last message is.
    _say(page, "also, it is a blue sofa")
    callback.click()
    mine = page.locator('#messages .msg[data-sender="customer"]:not(.is-pending)')
    expect(mine.filter(has_text="Request a callback")).to_have_count(1, timeout=WAIT_MS)
    expect(page.locator('#messages .msg[data-sender="bot"]').last).to_contain_text("email", timeout=WAIT_MS)
    expect(callback).to_be_hidden()
    context.close()


def test_the_header_names_the_agent_then_the_assistant_and_links_are_links(desk, browser) -> None:
    base = desk.url.rstrip("/")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    _start(page, base, "Lin K")
    expect(page.locator("#chat-who-name")).to_contain_text("Assistant")
    expect(page.locator("#chat-who-badge")).to_have_text("automated")
    _say(page, "see https://example.com/orders/42. and javascript:alert(1)")
    bubble = page.locator('#messages .msg[data-sender="customer"] .msg-bubble').last
    link = bubble.locator("a")
    expect(link).to_have_count(1, timeout=WAIT_MS)
    expect(link).to_have_attribute("href", "https://example.com/orders/42")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(bubble).to_contain_text("javascript:alert(1)")

    expect(page.locator("#talk-to-human")).to_be_enabled(timeout=WAIT_MS)
    page.click("#talk-to-human")
    expect(page.locator("#chat-status")).to_contain_text("Waiting", timeout=WAIT_MS)
    conversation_id = _conversation_id(page)
    agent_frames(desk, {"type": "accept", "conversation_id": conversation_id})
    expect(page.locator("#chat-status")).to_contain_text("Chatting with", timeout=WAIT_MS)
    name = page.locator("#chat-who-name")
    expect(name).not_to_contain_text("Assistant")
    expect(page.locator("#chat-who-badge")).to_have_text("support team")
    initial = page.locator("#chat-avatar-initial")
    assert initial.inner_text() == name.inner_text().strip()[0].upper()
    # The header survives a reload.
    page.reload()
    expect(page.locator("#chat-status")).to_contain_text("Chatting with", timeout=WAIT_MS)
    expect(page.locator("#chat-who-badge")).to_have_text("support team", timeout=WAIT_MS)

    agent_frames(desk, {"type": "handback", "conversation_id": conversation_id})
    expect(page.locator("#chat-who-badge")).to_have_text("automated", timeout=WAIT_MS)
    expect(page.locator("#chat-who-name")).to_contain_text("Assistant")
    expect(page.locator("#chat-avatar")).to_have_attribute("data-kind", "bot")
    context.close()


def test_a_customer_who_ends_the_chat_is_asked_for_a_rating(desk, browser) -> None:
    base = desk.url.rstrip("/")
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    _start(page, base, "Ella End")
    _say(page, "how long does delivery take?")
    # The answer, not the greeting: a chat ended before any answer is not asked for a rating.
    expect(page.locator('#messages .msg[data-sender="bot"]').nth(1)).to_be_visible(timeout=WAIT_MS)
    page.click("#end-chat")
    page.click("#end-confirm-btn")
    expect(page.locator("#chat-ended")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#csat")).to_be_visible(timeout=WAIT_MS)
    page.locator(".csat-star[data-score='4']").click()
    page.click("#csat-submit")
    expect(page.locator("#csat-thanks")).to_be_visible(timeout=WAIT_MS)
    # The last message stays in view above the notice.
    last = page.locator("#messages .msg").last
    box, log = last.bounding_box(), page.locator("#messages").bounding_box()
    assert box and log and box["y"] + box["height"] <= log["y"] + log["height"] + 2
    context.close()


def test_the_chat_page_and_the_widget_have_no_serious_accessibility_violations(desk, browser) -> None:
    """axe-core on what a customer sees: the pre-chat form, a chat waiting for a person with
    the callback button, the embedded chat, and a shop page with the launcher and the frame."""
    base = desk.url.rstrip("/")
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(f"{base}/chat/")
    expect(page.locator("#chat-start")).to_be_visible(timeout=WAIT_MS)
    found = serious_violations(page)
    assert found == [], "\n".join(found)
    _start(page, base, "Ada Axe")
    _say(page, "what are your opening hours? see https://example.com/hours")
    expect(page.locator('#messages .msg[data-sender="bot"]')).not_to_have_count(1, timeout=WAIT_MS)
    expect(page.locator("#talk-to-human")).to_be_enabled(timeout=WAIT_MS)
    page.click("#talk-to-human")
    expect(page.locator("#chat-callback")).to_be_visible(timeout=WAIT_MS)
    found = serious_violations(page)
    assert found == [], "\n".join(found)
    page.goto(f"{base}/chat/?embed=1")
    expect(page.locator("#chat-input")).to_be_visible(timeout=WAIT_MS)
    found = serious_violations(page)
    assert found == [], "\n".join(found)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base}/widget/demo/")
    page.click("#helpdesk-widget-launcher")
    expect(page.locator("#helpdesk-widget-frame")).to_be_visible(timeout=WAIT_MS)
    found = serious_violations(page)
    assert found == [], "\n".join(found)
    context.close()
