"""Callback tickets in the agents' hands (issue 17), in headless Chromium against a real daphne:
a customer waiting with nobody online asks for a callback; an agent finds the ticket from the
inbox's header, sees the customer's chat beside it (an internal note marked as one), claims it,
answers by email (the outbox holds the email: the embedded mode's mail backend is the console)
and closes it with a note; a ticket opened and claimed elsewhere reaches the open page by
itself, showing who holds it; the page has no serious accessibility violation.

One desk for the module: a daphne on a copy of the `live_daphne` database (its demo data come
for free)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest

from tests.support.axe import serious_violations
from tests.support.browser import chromium
from tests.support.servers import DEMO_PASSWORD, Server, desk_copy, http_json
from tests.support.wsclient import agent_frames

pytestmark = [pytest.mark.browser]

expect = playwright_sync.expect
WAIT_MS = 20_000
EMAIL = "cal.back@example.com"


@pytest.fixture(scope="module")
def desk(live_daphne, artifacts: Path) -> Iterator[Server]:
    with desk_copy(live_daphne, artifacts, "tickets") as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def _rows(desk: Server, sql: str, *args) -> list[tuple]:
    database = sqlite3.connect(desk.env["DATABASE_URL"].removeprefix("sqlite:///"), timeout=20)
    try:
        return database.execute(sql, args).fetchall()
    finally:
        database.close()


def _callback_ticket(desk: Server, browser) -> tuple[str, str]:
    """The customer's side: a chat, a wait with nobody online, a callback. (ticket id, chat id)"""
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(f"{desk.url}/chat/")
    page.fill("#prechat-name", "Cal Back")
    page.fill("#prechat-email", EMAIL)
    page.click("#chat-start")
    expect(page.locator("#chat-input")).to_be_enabled(timeout=WAIT_MS)
    page.fill("#chat-input", "my sofa arrived with a broken leg")
    page.click("#chat-send")
    expect(page.locator("#talk-to-human")).to_be_enabled(timeout=WAIT_MS)
    page.click("#talk-to-human")
    expect(page.locator("#chat-status")).to_contain_text("nobody is online", timeout=WAIT_MS)
    page.click("#chat-callback")
    done = page.locator('#messages .msg[data-sender="bot"]').filter(has_text="opened ticket #")
    expect(done).to_have_count(1, timeout=WAIT_MS)
    ticket_id = re.search(r"ticket #(\d+)", done.inner_text()).group(1)
    conversation_id = page.evaluate("() => JSON.parse(localStorage.getItem('helpdesk.chat.v1')).id")
    context.close()
    return ticket_id, conversation_id


def test_an_agent_claims_answers_and_closes_a_callback_beside_the_chat(desk, browser) -> None:
    ticket_id, conversation_id = _callback_ticket(desk, browser)
    # agent_general leaves an internal note on the chat, over the agent socket.
    agent_frames(desk, {"type": "note", "conversation_id": conversation_id, "body": "Customer sounded upset, be quick"})

    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{desk.url}/login/?next=/inbox/")
    page.fill("#id_username", "agent_general")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/inbox/$"), timeout=WAIT_MS)
    page.get_by_role("link", name="Tickets").click()
    page.wait_for_url(re.compile(r".*/inbox/tickets/$"), timeout=WAIT_MS)

    row = page.locator(f'.ticket-row[data-ticket-id="{ticket_id}"]')
    expect(row).to_contain_text("Unclaimed", timeout=WAIT_MS)
    expect(row).to_contain_text("Due in")
    row.click()
    expect(page.locator("#ticket-subject")).to_contain_text(f"#{ticket_id}", timeout=WAIT_MS)
    expect(page.locator("#ticket-email")).to_have_text(EMAIL)
    # The chat beside it: the customer's words, and the note marked as internal.
    history = page.locator("#ticket-history")
    said = history.locator('.history-msg[data-sender="customer"]').first
    expect(said).to_contain_text("broken leg")
    expect(said.locator(".history-who")).to_have_text("Cal Back")
    note = history.locator(".history-msg.is-note")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("internal note")
    expect(note).to_contain_text("Customer sounded upset")
    assert serious_violations(page) == []

    page.click("#ticket-claim")
    expect(page.locator("#ticket-assignee")).to_have_text("you", timeout=WAIT_MS)
    expect(page.locator("#ticket-claim")).to_be_hidden()
    expect(row).to_contain_text("Claimed by you", timeout=WAIT_MS)

    page.fill("#ticket-reply-body", "Hello Cal, a new leg is on its way; it should arrive on Monday.")
    page.click("#ticket-reply-send")
    replied = page.locator('#ticket-log .ticket-event[data-kind="replied"]')
    expect(replied).to_contain_text(f"emailed {EMAIL}", timeout=WAIT_MS)
    expect(replied).to_contain_text("a new leg is on its way")
    expect(page.locator("#ticket-status")).to_have_text("Replied, waiting on the customer")
    emails = _rows(
        desk, "SELECT kind, body FROM helpdesk_outboundemail WHERE \"to\" = ? AND kind = 'ticket_reply'", EMAIL
    )
    assert len(emails) == 1 and "a new leg is on its way" in emails[0][1]

    page.fill("#ticket-close-note", "Replacement leg shipped.")
    page.click("#ticket-close")
    expect(page.locator("#ticket-status")).to_have_text("Closed", timeout=WAIT_MS)
    expect(page.locator('#ticket-log .ticket-event[data-kind="closed"]')).to_contain_text("Replacement leg shipped.")
    expect(page.locator("#ticket-reply-form")).to_be_hidden()
    expect(row).to_have_count(0, timeout=WAIT_MS)  # gone from the open list
    page.click('.tickets-filter[data-view="closed"]')
    expect(page.locator(f'.ticket-row[data-ticket-id="{ticket_id}"]')).to_contain_text("Closed", timeout=WAIT_MS)
    assert _rows(desk, "SELECT status FROM helpdesk_ticket WHERE id = ?", int(ticket_id)) == [("closed",)]
    assert serious_violations(page) == []
    context.close()


def test_a_new_ticket_and_another_agents_claim_reach_the_open_page(desk, browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{desk.url}/login/?next=/inbox/tickets/")
    page.fill("#id_username", "agent_general")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/inbox/tickets/$"), timeout=WAIT_MS)
    expect(page.locator('#main[data-live="1"]')).to_have_count(1, timeout=WAIT_MS)  # its socket is open

    # The supervisor opens a ticket over the API, then claims it; the page is not touched.
    customer = {"name": "Ola", "email": "ola@example.com"}
    status, started = http_json("POST", f"{desk.url}/api/v1/conversations/", customer)
    assert status == 201
    status, answer = http_json(
        "POST", f"{desk.url}/api/v1/auth/token/", {"username": "supervisor", "password": DEMO_PASSWORD}
    )
    assert status == 200
    boss = {"Authorization": f"Token {answer['token']}"}
    status, ticket = http_json(
        "POST",
        f"{desk.url}/api/v1/tickets/",
        {"subject": "Call Ola back", "conversation_id": started["id"], "queue": "General"},
        boss,
    )
    assert status == 201, ticket
    ticket_id = ticket["id"]
    row = page.locator(f'.ticket-row[data-ticket-id="{ticket_id}"]')
    expect(row).to_contain_text("Unclaimed", timeout=WAIT_MS)
    row.click()
    claim = page.locator("#ticket-claim")
    expect(claim).to_be_enabled(timeout=WAIT_MS)
    status, _ = http_json("POST", f"{desk.url}/api/v1/tickets/{ticket_id}/claim/", {}, boss)
    assert status == 200

    expect(row).to_contain_text("Claimed by Sofia", timeout=WAIT_MS)
    expect(claim).to_be_disabled(timeout=WAIT_MS)
    expect(claim).to_contain_text("Claimed by Sofia")
    expect(page.locator("#ticket-reply-form")).to_be_hidden()
    expect(page.locator("#ticket-held")).to_have_text("Only Sofia (supervisor) or a supervisor may reply or close it.")
    assert serious_violations(page) == []
    context.close()
