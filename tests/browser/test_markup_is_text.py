"""Markup is text, everywhere a person reads what someone else typed, proven in Chromium.

A hostile desk (tests/support/hostile_desk.py) puts `<img onerror>`, `<script>`, `<svg onload>`,
`javascript:` links, template syntax and a near-limit message into every name, message, note,
quick reply, packet field, prediction, article, canned reply, queue, rule and order the pages
show. Each page must then show those payloads as literal text, and: no dialog opens, no page
error is thrown, no element or attribute from a payload exists in the DOM, and (where a
Content-Security-Policy is set) the browser reports no violation of it.

The pages: the customer's chat page here (after a first test that shows the detectors catch
markup that is rendered), the agent inbox in test_markup_inbox.py, the Django admin and the
analytics in test_markup_admin.py. Their checks are in tests/support/markup_checks.py; the
desk (one daphne on a copy of the `live_daphne` database, so its demo model and rules come for
free) and one Chromium serve a whole module (tests/browser/conftest.py).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bots.flows.information import as_chat_text
from tests.support import hostile_desk as h
from tests.support.markup_checks import FIND_INJECTED, WAIT_MS, Desk, assert_inert, new_page, resume, shows

pytestmark = [pytest.mark.browser]


# --- the detectors themselves ----------------------------------------------------------------


def test_the_detectors_catch_markup_that_is_rendered(desk: Desk, chromium) -> None:
    """The checks below would fail if a payload were ever rendered: shown here on purpose."""
    inject = "(html) => { document.body.insertAdjacentHTML('beforeend', html); }"
    markup = f'{h.IMG}<a href="{h.JS_URL}">x</a>'
    expected = {"img src=x", "img[onerror]", f"a[href={h.JS_URL}]"}

    # Without a policy the payload runs: the dialog is recorded.
    context, page, seen = new_page(chromium)
    page.set_content("<p>no policy here</p>")
    with page.expect_event("dialog"):
        page.evaluate(inject, markup)
    assert set(page.evaluate(FIND_INJECTED)) >= expected
    assert seen.dialogs == ["1"]
    with pytest.raises(AssertionError, match="markup from a payload reached the DOM"):
        assert_inert(page, seen)
    context.close()

    # On the desk's own page: clean as served; with markup injected, caught, and where the desk
    # sends a Content-Security-Policy, the policy's report is caught too.
    context, page, seen = new_page(chromium)
    answer = page.goto(f"{desk.url}/chat/")
    assert answer is not None
    assert_inert(page, seen)
    page.evaluate(inject, markup)
    assert set(page.evaluate(FIND_INJECTED)) >= expected
    if "content-security-policy" in answer.headers:
        page.wait_for_function("window.__csp.length > 0", timeout=WAIT_MS)
        assert seen.dialogs == []  # the policy stopped the handler, and reported it
        page.evaluate("document.querySelectorAll('img[src=x], a[href^=javascript]').forEach((el) => el.remove())")
        assert page.evaluate(FIND_INJECTED) == []
        with pytest.raises(AssertionError, match="CSP violations"):
            assert_inert(page, seen)  # the report alone fails the check
    context.close()


# --- the customer's chat page ----------------------------------------------------------------


def test_chat_page_shows_every_payload_as_text(desk: Desk, chromium) -> None:
    # A conversation with history: the customer's messages, the bot echoing collected details
    # with hostile quick replies, the queue and agent names in system messages, the agent's reply.
    context, page, seen = new_page(chromium, chat=resume(desk), width=390)
    page.goto(f"{desk.url}/chat/")
    log = page.locator("#messages")
    mine = log.locator('.msg[data-sender="customer"] .msg-bubble')
    expect(mine.filter(has_text=h.IMG)).to_have_count(1, timeout=WAIT_MS)
    expect(mine.filter(has_text=h.TEMPLATE)).to_have_count(1)
    long = mine.filter(has_text=h.LONG[:120])
    expect(long).to_have_count(1)
    assert long.text_content() == h.LONG
    shows(log.locator('.msg[data-sender="bot"]'), h.BOT_ECHO)
    for option in h.OPTIONS:
        # Buttons of an earlier message are hidden, not gone: look them up by class, not role.
        expect(log.locator("button.msg-option").filter(has_text=option["label"])).to_have_text(option["label"])
    shows(
        log.locator('.msg[data-sender="system"]'),
        f"our {h.QUEUE} team",
        f"{h.AGENT_NAME} from our {h.QUEUE} team has joined the chat.",
    )
    agent = log.locator('.msg[data-sender="agent"]')
    shows(agent.locator(".msg-author"), h.AGENT_NAME)
    shows(agent.locator(".msg-bubble"), h.AGENT_REPLY)
    shows(page.locator("#chat-status"), f"Chatting with {h.AGENT_NAME}")
    assert_inert(page, seen)
    context.close()

    # A live conversation: the bot greets the hostile name, answers from the hostile article
    # and reads out the hostile order; the customer's own markup comes back as text.
    context, page, seen = new_page(chromium, width=390)
    page.goto(f"{desk.url}/chat/")
    page.fill("#prechat-name", f"{h.SCRIPT} Kim")
    page.click("#chat-start")
    log = page.locator("#messages")
    bot = log.locator('.msg[data-sender="bot"] .msg-bubble')
    expect(bot.first).to_contain_text(f"Hi {h.SCRIPT}! I'm the automated assistant", timeout=WAIT_MS)

    def say(text: str) -> None:
        page.fill("#chat-input", text)
        page.click("#chat-send")
        sent = log.locator('.msg[data-sender="customer"]:not(.is-pending) .msg-bubble', has_text=text)
        expect(sent).to_have_count(1, timeout=WAIT_MS)

    say("How long does shipping take?")
    answer = as_chat_text(h.SHIPPING_BODY.split("\n\n")[0])
    assert "[Track it](javascript:alert(4))" in answer  # a javascript: link is never made a link
    expect(bot.nth(1)).to_contain_text(answer, timeout=WAIT_MS)
    say(f"Where is my order {h.ORDER_NUMBER}?")
    expect(bot.nth(2)).to_contain_text(
        f"Your order {h.ORDER_NUMBER} has shipped with {h.CARRIER} (tracking number {h.TRACKING_NUMBER}). "
        f"You can follow it here: {h.TRACKING_URL}",
        timeout=WAIT_MS,
    )
    say(f"{h.IMG} {h.SVG}")
    say(h.SCRIPT)
    assert_inert(page, seen)
    context.close()
