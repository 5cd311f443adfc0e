"""A customer and an agent, each in their own headless Chromium context, against the real
ASGI app served by daphne (the `live_daphne` fixture in tests/conftest.py).

What a user would notice: the customer's message reaches the agent, the agent's reply reaches
the customer, an internal note never reaches the customer, and markup typed into a message is
shown as text on both pages instead of being run.
"""

from __future__ import annotations

import re
from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest

from tests.support.browser import chromium

pytestmark = [pytest.mark.browser]

expect = playwright_sync.expect

WAIT_MS = 15_000
PASSWORD = "demo-pass-123"
XSS = "<img src=x onerror=alert(1)>"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def browser():
    with chromium() as launched:
        yield launched


def _collect_dialogs(page, seen: list[str]) -> None:
    """An `alert(1)` from injected markup would open a dialog: record it and dismiss it."""

    def on_dialog(dialog) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)


def test_customer_and_agent_chat_end_to_end(live_daphne, browser) -> None:
    base = live_daphne.url.rstrip("/")
    dialogs: list[str] = []

    # --- The customer starts a chat and asks for a person. ------------------------------
    customer_ctx = browser.new_context(viewport={"width": 390, "height": 844})
    customer = customer_ctx.new_page()
    _collect_dialogs(customer, dialogs)
    customer.goto(f"{base}/chat/")
    expect(customer.locator("#chat-start")).to_be_visible(timeout=WAIT_MS)
    # The page says up front that the assistant is automated.
    expect(customer.locator("body")).to_contain_text("automated", timeout=WAIT_MS)
    customer.fill("#prechat-name", "Dana Browser")
    customer.click("#chat-start")

    chat_input = customer.locator("#chat-input")
    expect(chat_input).to_be_enabled(timeout=WAIT_MS)
    chat_input.fill("Hello, I need help with my order")
    customer.click("#chat-send")
    mine = customer.locator('#messages .msg[data-sender="customer"]:not(.is-pending)')
    expect(mine.filter(has_text="Hello, I need help with my order")).to_have_count(1, timeout=WAIT_MS)

    talk = customer.locator("#talk-to-human")
    expect(talk).to_be_enabled(timeout=WAIT_MS)
    talk.click()
    expect(customer.locator("#chat-status")).to_contain_text("Waiting", timeout=WAIT_MS)

    # --- The agent signs in and finds it waiting. ----------------------------------------
    agent_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    agent = agent_ctx.new_page()
    _collect_dialogs(agent, dialogs)
    agent.goto(f"{base}/login/?next=/inbox/")
    agent.fill("#id_username", "agent_general")
    agent.fill("#id_password", PASSWORD)
    agent.click("#login-submit")
    agent.wait_for_url(re.compile(r".*/inbox/$"), timeout=WAIT_MS)

    # Coming online, the agent is handed the conversation waiting in their queue.
    assigned = agent.locator("#mine-list .conv-item").filter(has_text="Dana Browser")
    expect(assigned).to_have_count(1, timeout=WAIT_MS)
    conversation_id = assigned.get_attribute("data-conversation-id")
    assert conversation_id
    assigned.click()

    transcript = agent.locator("#transcript")
    expect(transcript.locator(".msg", has_text="Hello, I need help with my order")).to_be_visible(timeout=WAIT_MS)
    expect(agent.locator("#packet")).to_contain_text("Dana Browser", timeout=WAIT_MS)

    expect(agent.locator(f'#queued-list .conv-item[data-conversation-id="{conversation_id}"]')).to_have_count(
        0, timeout=WAIT_MS
    )
    expect(customer.locator("#chat-status")).to_contain_text("Chatting with", timeout=WAIT_MS)

    # --- The agent replies; the customer sees it. ----------------------------------------
    agent.fill("#reply-input", "Hi, I'm here to help")
    agent.click("#reply-send")
    expect(transcript.locator('.msg[data-sender="agent"]', has_text="Hi, I'm here to help")).to_be_visible(
        timeout=WAIT_MS
    )
    expect(customer.locator('#messages .msg[data-sender="agent"]', has_text="Hi, I'm here to help")).to_be_visible(
        timeout=WAIT_MS
    )

    # --- An internal note stays with the agents. -----------------------------------------
    note_text = "Internal: customer sounds in a hurry, check order A-1001"
    agent.click("#note-toggle")
    agent.fill("#reply-input", note_text)
    agent.click("#reply-send")
    expect(transcript.locator(".msg.note", has_text=note_text)).to_be_visible(timeout=WAIT_MS)

    # --- Markup is text on both pages, whoever typed it. ---------------------------------
    chat_input.fill(f"Customer says {XSS}")
    customer.click("#chat-send")
    agent.click("#reply-toggle")
    agent.fill("#reply-input", f"Agent says {XSS}")
    agent.click("#reply-send")

    for page, log in ((customer, "#messages"), (agent, "#transcript")):
        for who in ("Customer says", "Agent says"):
            expect(page.locator(f"{log} .msg", has_text=f"{who} {XSS}")).to_have_count(1, timeout=WAIT_MS)
        assert page.locator(f"{log} img").count() == 0
        assert page.locator("img[src='x']").count() == 0

    # A later message has arrived on the customer's page, so the note had every chance to
    # arrive before it: it did not.
    expect(customer.locator("#messages")).not_to_contain_text(note_text)
    assert note_text not in customer.content()
    assert dialogs == []

    # --- Screenshots of the run, for a person reading a failure (test-artifacts/ only: the
    # README's pictures are made by `make screenshots`, not rewritten by every test run). --
    expect(agent.locator("#connection-banner")).to_be_hidden(timeout=WAIT_MS)
    agent.wait_for_timeout(300)  # let the send-button and list animations settle
    (ROOT / "test-artifacts").mkdir(parents=True, exist_ok=True)
    agent.screenshot(path=str(ROOT / "test-artifacts" / "inbox.png"))
    customer.screenshot(path=str(ROOT / "test-artifacts" / "chat.png"))

    # The desk is shared with later tests: agent_general's slot is freed again.
    agent.click("#resolve-btn")
    expect(customer.locator("#chat-status")).to_contain_text("esolved", timeout=WAIT_MS)
    customer_ctx.close()
    agent_ctx.close()


def _chat_started(browser, base: str, name: str):
    """A customer's page, in its own context, once the assistant has greeted them."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{base.rstrip('/')}/chat/")
    page.fill("#prechat-name", name)
    page.click("#chat-start")
    expect(page.locator('#messages .msg[data-sender="bot"]')).to_have_count(1, timeout=WAIT_MS)
    return context, page


def _given_to_agent_general(browser, base: str, customer, name: str):
    """The customer asks for a person and agent_general, signed in on a page of her own, gets
    the chat. (agent context, agent page, the chat's row in her own list)"""
    talk = customer.locator("#talk-to-human")
    expect(talk).to_be_enabled(timeout=WAIT_MS)
    talk.click()
    agent_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    agent = agent_ctx.new_page()
    agent.goto(f"{base}/login/?next=/inbox/")
    agent.fill("#id_username", "agent_general")
    agent.fill("#id_password", PASSWORD)
    agent.click("#login-submit")
    mine = agent.locator("#mine-list .conv-item").filter(has_text=name)
    expect(mine).to_have_count(1, timeout=WAIT_MS)
    return agent_ctx, agent, mine


def test_a_burst_past_the_rate_limit_lands_once_each_in_order(live_daphne, browser) -> None:
    """Twenty messages at once, twice the socket's burst (10): the page paces them under the
    limit (and would send a refused one again), so each is stored once, in the order typed."""
    context, page = _chat_started(browser, live_daphne.url, "Burst Browser")
    page.evaluate(
        """() => {
            const input = document.getElementById('chat-input');
            const form = document.getElementById('composer');
            for (let i = 1; i <= 20; i++) { input.value = 'burst ' + i; form.requestSubmit(); }
        }"""
    )
    stored = page.locator('#messages .msg[data-sender="customer"]:not(.is-pending)')
    expect(stored).to_have_count(20, timeout=WAIT_MS)
    expect(page.locator("#messages .msg.is-pending")).to_have_count(0)
    bodies = [text.strip() for text in stored.locator(".msg-bubble").all_inner_texts()]  # in seq order
    assert bodies == [f"burst {i}" for i in range(1, 21)]
    # Twenty messages the assistant did not understand hand the chat to a person: the customer
    # ends it, so that it waits in no queue of the desk the later tests share.
    page.click("#end-chat")
    page.click("#end-confirm-btn")
    expect(page.locator("#chat-ended")).to_be_visible(timeout=WAIT_MS)
    context.close()


def test_replies_the_server_refuses_go_back_into_the_agents_composer(live_daphne, browser) -> None:
    """Five replies at once, the third one too long for the server (`too_long`; the textarea's
    maxlength does not bind a script, nor an old browser). The refusal names the reply's
    client_msg_id and its text returns to the composer; the other four are stored once."""
    base = live_daphne.url.rstrip("/")
    context, customer = _chat_started(browser, base, "Refused Browser")
    agent_ctx, agent, mine = _given_to_agent_general(browser, base, customer, "Refused Browser")
    mine.click()
    expect(agent.locator("#packet")).to_contain_text("Refused Browser", timeout=WAIT_MS)

    agent.evaluate(
        """() => {
            const input = document.getElementById('reply-input');
            const form = document.getElementById('reply-form');
            for (let i = 1; i <= 5; i++) {
                input.value = i === 3 ? 'x'.repeat(4001) : 'reply ' + i;
                form.requestSubmit();
            }
        }"""
    )
    expect(agent.locator("#reply-input")).to_have_value("x" * 4001, timeout=WAIT_MS)
    stored = agent.locator('#transcript .msg[data-sender="agent"] .msg-bubble')
    expect(stored).to_have_count(4, timeout=WAIT_MS)
    assert sorted(text.strip() for text in stored.all_inner_texts()) == ["reply 1", "reply 2", "reply 4", "reply 5"]
    # The desk is shared with later tests: agent_general's slot is freed again.
    agent.click("#resolve-btn")
    expect(customer.locator("#chat-status")).to_contain_text("esolved", timeout=WAIT_MS)
    agent_ctx.close()
    context.close()


def test_a_customer_who_ends_the_chat_with_an_agent_leaves_it_resolved(live_daphne, browser) -> None:
    """With a person holding the chat, the customer's "End chat" resolves it (metrics.md counts
    only silence as abandonment there): the page says it has ended and asks for a rating, and
    the agent's own list lets it go, which frees their slot."""
    base = live_daphne.url.rstrip("/")
    context, customer = _chat_started(browser, base, "Ending Browser")
    agent_ctx, agent, mine = _given_to_agent_general(browser, base, customer, "Ending Browser")
    expect(customer.locator("#chat-status")).to_contain_text("Chatting with", timeout=WAIT_MS)

    customer.click("#end-chat")
    customer.click("#end-confirm-btn")
    expect(customer.locator("#chat-ended")).to_be_visible(timeout=WAIT_MS)
    expect(customer.locator("#csat")).to_be_visible(timeout=WAIT_MS)
    expect(customer.locator("#chat-status")).to_have_text("Ended", timeout=WAIT_MS)
    expect(mine).to_have_count(0, timeout=WAIT_MS)
    agent_ctx.close()
    context.close()
