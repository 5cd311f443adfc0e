"""Markup is text in the agent inbox: lists, transcript, notes, prediction chips, packet, agent
assist, transfer targets, a rule's toast and a live reply, proven in Chromium on the hostile desk
(tests/browser/test_markup_is_text.py says how; the checks are in tests/support/markup_checks.py).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support import hostile_desk as h
from tests.support.markup_checks import WAIT_MS, Desk, assert_inert, humanized, new_page, resume, shows

pytestmark = [pytest.mark.browser]


# --- the agent inbox -------------------------------------------------------------------------


def test_inbox_shows_every_payload_as_text(desk: Desk, chromium, supervisor_state: dict) -> None:
    context, page, seen = new_page(chromium, state=supervisor_state)
    page.goto(f"{desk.url}/inbox/")
    shows(page.locator(".me-name"), h.AGENT_NAME)

    waiting = page.locator(f'#queued-list .conv-item[data-conversation-id="{desk.ids["waiting"]}"]')
    shows(waiting, h.CUSTOMER_NAME, h.QUEUE, h.SUMMARY)
    waiting.click()
    shows(page.locator("#conv-title"), h.CUSTOMER_NAME)
    shows(page.locator("#conv-subtitle"), h.QUEUE)

    transcript = page.locator("#transcript")
    customer = transcript.locator('.msg[data-sender="customer"]')
    shows(customer.locator(".msg-author").first, h.CUSTOMER_NAME)
    shows(customer.locator(".msg-bubble"), h.IMG, h.TEMPLATE, h.LONG)
    chip = transcript.locator(".msg-prediction")
    shows(chip, f"{h.INTENT} · 50%", f"negative {h.SCRIPT}")
    # The sentiment also names a CSS class: cut to letters, it cannot add classes of its own.
    expect(chip.locator(".pred-sentiment")).to_have_attribute("class", "pred-sentiment pred-negativescriptalertscript")
    shows(transcript.locator('.msg[data-sender="bot"]'), h.BOT_ECHO, *(o["label"] for o in h.OPTIONS))
    note = transcript.locator(".msg.note")
    shows(note, h.NOTE, h.AGENT_NAME)
    shows(transcript.locator('.msg[data-sender="system"]'), f"our {h.QUEUE} team")

    packet = page.locator("#packet-body")
    shows(
        packet,
        h.SUMMARY,
        humanized(h.TRIGGER),
        h.QUEUE,
        humanized(h.INTENT),
        h.CUSTOMER_NAME,
        h.CUSTOMER_EMAIL,
        h.JS_URL,  # the page the customer was on: text, never a link
        *map(humanized, h.COLLECTED),
        *h.COLLECTED.values(),
        *h.TAGS,
        f"Article: {h.ARTICLE_TITLE}",
        f"Reply: {h.CANNED_TITLE}",
        f"Suggested opening: “Hi {h.SVG},",
    )
    expect(page.locator("#transfer-select option", has_text=h.QUEUE)).to_have_count(1)
    page.locator("#assist .assist-row", has_text=f"Article: {h.ARTICLE_TITLE}").get_by_role("button").click()
    # Assist inserts the passage that answers the customer's words: the article's own text
    # (here both short paragraphs, one passage), as text.
    expect(page.locator("#reply-input")).to_have_value(h.ARTICLE_BODY)
    assert_inert(page, seen)

    # Live: the agent's reply and note reach the pages as text; the customer never sees the note.
    customer_context, customer_page, customer_seen = new_page(chromium, chat=resume(desk), width=390)
    customer_page.goto(f"{desk.url}/chat/")
    shows(customer_page.locator("#messages"), h.AGENT_REPLY)
    page.locator(f'#mine-list .conv-item[data-conversation-id="{desk.ids["chat"]}"]').click()
    reply, note_text = f"Live {h.SCRIPT} {h.TEMPLATE}", f"Live note {h.IMG}"
    page.click("#note-toggle")
    page.fill("#reply-input", note_text)
    page.click("#reply-send")
    shows(transcript.locator(".msg.note"), note_text)
    page.click("#reply-toggle")
    page.fill("#reply-input", reply)
    page.click("#reply-send")
    shows(transcript.locator('.msg[data-sender="agent"]:not(.note) .msg-bubble'), reply)
    expect(customer_page.locator('#messages .msg[data-sender="agent"] .msg-bubble', has_text=reply)).to_have_count(
        1, timeout=WAIT_MS
    )
    expect(customer_page.locator("#messages")).not_to_contain_text(note_text)
    assert_inert(customer_page, customer_seen)
    customer_context.close()

    # The hostile rule matches a new customer's message and tells the supervisors: a toast, as text.
    customer_context, customer_page, customer_seen = new_page(chromium, width=390)
    customer_page.goto(f"{desk.url}/chat/")
    customer_page.click("#chat-start")
    expect(customer_page.locator("#chat-input")).to_be_enabled(timeout=WAIT_MS)
    customer_page.fill("#chat-input", f"Hello {h.IMG}")
    customer_page.click("#chat-send")
    shows(page.locator("#toasts .toast"), h.RULE_NOTICE)
    assert_inert(customer_page, customer_seen)
    assert_inert(page, seen)
    customer_context.close()
    context.close()
