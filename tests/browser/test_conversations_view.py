"""The conversations view in Chromium, against the real app served by daphne (`live_daphne`):
an agent finds last week's resolved chat by a word in its transcript, opens it at its
permanent address, reloads, and finds it still open and read-only. Another queue's
conversation is a 404 in words. The view passes axe's serious checks."""

from __future__ import annotations

import json
import re

import playwright.sync_api as playwright_sync
import pytest

from tests.support.axe import serious_violations
from tests.support.browser import chromium
from tests.support.servers import DEMO_PASSWORD, manage

pytestmark = [pytest.mark.browser]

expect = playwright_sync.expect
WAIT_MS = 15_000

# Rows written straight into the live desk's database (the search reads what is stored; its
# FTS5 triggers index them as they land): a resolved General chat from last week that Grace
# (agent_general) handled, and a Billing one she may not see.
SEED = """
import json
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from helpdesk.models import Conversation, Customer, Message, Queue

def chat(queue, email, name, lines, agent):
    customer = Customer.objects.create(name=name, email=email)
    c = Conversation.objects.create(customer=customer, token_hash="0" * 64, status="resolved",
        queue=Queue.objects.get(name=queue), agent=get_user_model().objects.get(username=agent),
        resolved_at=timezone.now(), last_seq=len(lines))
    Conversation.objects.filter(pk=c.pk).update(created_at=timezone.now() - timedelta(days=6))
    for seq, body in enumerate(lines, start=1):
        Message.objects.create(conversation=c, seq=seq, sender="customer" if seq % 2 else "agent", body=body)
    return str(c.pk)

print(json.dumps({
    "sofa": chat("General", "lena.sofa@example.com", "Lena Periwinkle",
        ["The periwinkle sofa came with a scuffed armrest", "A touch-up kit is on its way."], "agent_general"),
    "billing": chat("Billing", "bo.card@example.com", "Bo Card",
        ["Refund my periwinkle sofa deposit please", "Done."], "agent_billing"),
}))
"""


@pytest.fixture
def browser():
    with chromium() as launched:
        yield launched


def test_search_finds_a_resolved_chat_and_its_permanent_link_opens_it_read_only(live_daphne, browser) -> None:
    base = live_daphne.url.rstrip("/")
    ids = json.loads(manage(live_daphne.env, "shell", "-c", SEED).strip().splitlines()[-1])
    errors: list[str] = []

    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{base}/login/?next=/inbox/conversations/")
    page.fill("#id_username", "agent_general")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/inbox/conversations/$"), timeout=WAIT_MS)

    # --- The view lists history; the search narrows it to the chat that said the words. -----
    expect(page.locator("#search-status")).not_to_have_text(re.compile(r"^(|Searching…)$"), timeout=WAIT_MS)
    assert serious_violations(page) == []
    page.fill("#search-q", "periwinkle sofa")
    page.click("#search-submit")
    results = page.locator("#results .result")
    expect(results).to_have_count(1, timeout=WAIT_MS)  # Billing's periwinkle sofa is not Grace's
    row = results.first
    assert row.get_attribute("data-conversation-id") == ids["sofa"]
    expect(row).to_contain_text("Lena Periwinkle")
    expect(row).to_contain_text("resolved")
    expect(row.locator(".result-match")).to_contain_text("The periwinkle sofa came with a scuffed armrest")
    assert "q=periwinkle+sofa" in page.url  # the search is in the address: a reload keeps it
    page.reload()
    expect(page.locator("#search-q")).to_have_value("periwinkle sofa", timeout=WAIT_MS)
    expect(page.locator("#results .result")).to_have_count(1, timeout=WAIT_MS)
    assert serious_violations(page) == []

    # --- Its link is the conversation's permanent address, opened in the inbox. ------------
    page.locator("#results .result-link").first.click()
    page.wait_for_url(f"{base}/inbox/c/{ids['sofa']}/", timeout=WAIT_MS)
    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text("scuffed armrest", timeout=WAIT_MS)

    def read_only() -> None:
        expect(page.locator("#reply-input")).to_be_disabled(timeout=WAIT_MS)
        expect(page.locator("#reply-send")).to_be_disabled()
        expect(page.locator("#reply-hint")).to_contain_text("Read only: this conversation is resolved")

    read_only()

    # --- A reload opens it again, still read-only. ----------------------------------------
    page.reload()
    expect(transcript).to_contain_text("scuffed armrest", timeout=WAIT_MS)
    assert page.url == f"{base}/inbox/c/{ids['sofa']}/"
    read_only()

    # --- Going back to the list puts the inbox's own address back. ------------------------
    page.set_viewport_size({"width": 390, "height": 844})  # the back button shows on a phone
    page.click("#back-btn")
    page.wait_for_url(f"{base}/inbox/", timeout=WAIT_MS)

    # --- The live desk's older links still open a conversation, and name it in the address. -
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(f"{base}/inbox/#conversation={ids['sofa']}")
    expect(transcript).to_contain_text("scuffed armrest", timeout=WAIT_MS)
    page.wait_for_url(f"{base}/inbox/c/{ids['sofa']}/", timeout=WAIT_MS)

    # --- Another queue's conversation is not there, in words. -----------------------------
    answer = page.goto(f"{base}/inbox/c/{ids['billing']}/")
    assert answer is not None and answer.status == 404
    expect(page.locator("h1")).to_have_text("This conversation is not here")

    assert errors == []
    context.close()
