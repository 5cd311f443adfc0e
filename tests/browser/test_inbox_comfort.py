"""An agent's comfort in the live inbox, in Chromium against the real daphne (`live_daphne`):
desktop notifications while the tab is hidden, keyboard shortcuts, a transfer that reports one
success and no error, the bot's intent corrected from a list, SVG icons instead of emoji, and
axe-core's serious checks on the empty inbox and with a conversation open.

The browser's Notification is replaced by a recorder (an init script): headless Chromium shows
nothing, and the test must see what the page asked to show, and click it. The tab is "hidden"
the way a page learns it, through document.visibilityState and a visibilitychange event.
"""

from __future__ import annotations

import re

import playwright.sync_api as playwright_sync
import pytest

from tests.support.axe import serious_violations
from tests.support.browser import chromium

pytestmark = [pytest.mark.browser]

expect = playwright_sync.expect

WAIT_MS = 15_000
PASSWORD = "demo-pass-123"

NOTIFICATION_RECORDER = """
(() => {
  window.__notes = [];
  class RecordedNotification {
    constructor(title, options) {
      this.title = title;
      this.body = (options || {}).body || '';
      this.tag = (options || {}).tag || '';
      this.onclick = null;
      window.__notes.push(this);
    }
    close() { this.closed = true; }
    static requestPermission() { window.__asked = (window.__asked || 0) + 1; return Promise.resolve('granted'); }
  }
  RecordedNotification.permission = 'granted';
  window.Notification = RecordedNotification;
  window.__setVisibility = (state) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  };
})();
"""

# Any pictograph (emoji and their kin) in the page's text or attributes.
NO_PICTOGRAPHS = r"""() => {
  const pictograph = /\p{Extended_Pictographic}/u;
  const found = [];
  const text = document.body.innerText.match(pictograph);
  if (text) found.push('text: ' + text[0]);
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (pictograph.test(attr.value)) found.push(el.tagName + '[' + attr.name + ']=' + attr.value);
    }
  }
  return found;
}"""


@pytest.fixture
def browser():
    with chromium() as launched:
        yield launched


def _ask_for_a_person(browser, base: str, name: str, text: str):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{base}/chat/")
    page.fill("#prechat-name", name)
    page.click("#chat-start")
    box = page.locator("#chat-input")
    expect(box).to_be_enabled(timeout=WAIT_MS)
    box.fill(text)
    page.click("#chat-send")
    talk = page.locator("#talk-to-human")
    expect(talk).to_be_enabled(timeout=WAIT_MS)
    talk.click()
    return context, page


def _notes(page) -> list[dict]:
    return page.evaluate("() => window.__notes.map(n => ({title: n.title, body: n.body, tag: n.tag}))")


def _no_serious_violations(page, where: str) -> None:
    found = serious_violations(page)
    assert found == [], f"{where}:\n" + "\n".join(found)


def test_an_agent_works_the_inbox_from_the_keyboard_and_hears_of_chats_while_away(live_daphne, browser) -> None:
    base = live_daphne.url.rstrip("/")
    agent_ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    agent_ctx.grant_permissions(["notifications"], origin=base)
    agent_ctx.add_init_script(NOTIFICATION_RECORDER)
    agent = agent_ctx.new_page()
    agent.goto(f"{base}/login/?next=/inbox/")
    agent.fill("#id_username", "agent_general")
    agent.fill("#id_password", PASSWORD)
    agent.click("#login-submit")
    agent.wait_for_url(re.compile(r".*/inbox/$"), timeout=WAIT_MS)
    expect(agent.locator("#connection-banner")).to_be_hidden(timeout=WAIT_MS)

    # --- The empty inbox: one level-one heading, AA contrast, nothing serious for axe. -------
    expect(agent.locator("h1")).to_have_count(1)
    _no_serious_violations(agent, "the empty inbox")

    # --- Notifications: asked for only when the agent says so, and remembered. --------------
    toggle = agent.locator("#notify-toggle")
    expect(toggle).to_have_text(re.compile("Turn on notifications"))
    assert agent.evaluate("() => window.__asked || 0") == 0  # no prompt on load
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_text(re.compile("Notifications on"))
    assert agent.evaluate("() => localStorage.getItem('helpdesk.inbox.notifications')") == "on"

    # The agent looks at another tab; a customer asks for a person and is assigned to them.
    agent.evaluate("() => window.__setVisibility('hidden')")
    first_ctx, first = _ask_for_a_person(browser, base, "Nora Notified", "Hello, I need help with my order")
    mine = agent.locator("#mine-list .conv-item").filter(has_text="Nora Notified")
    expect(mine).to_have_count(1, timeout=WAIT_MS)
    first_id = mine.get_attribute("data-conversation-id")
    agent.wait_for_function("() => window.__notes.length >= 1", timeout=WAIT_MS)
    assigned = _notes(agent)
    assert [n["title"] for n in assigned] == ["Chat assigned to you"], assigned
    assert "Nora Notified" in assigned[0]["body"] and assigned[0]["tag"] == f"conversation-{first_id}"

    # Clicking it brings the inbox forward with that conversation open.
    agent.evaluate("() => window.__notes[0].onclick()")
    expect(agent.locator("#conv-title")).to_contain_text("Nora Notified", timeout=WAIT_MS)

    # Still away, the customer writes: a notification names them and carries the words.
    first.fill("#chat-input", "Are you still there?")
    first.click("#chat-send")
    agent.wait_for_function("() => window.__notes.length >= 2", timeout=WAIT_MS)
    reply_note = _notes(agent)[1]
    assert reply_note["title"] == "New message from Nora Notified"
    assert reply_note["body"] == "Are you still there?"

    # The agent's own reply is no news to them.
    agent.fill("#reply-input", "Yes, I am here.")
    agent.press("#reply-input", "Enter")
    expect(agent.locator('#transcript .msg[data-sender="agent"]', has_text="Yes, I am here.")).to_be_visible(
        timeout=WAIT_MS
    )
    expect(first.locator('#messages .msg[data-sender="agent"]', has_text="Yes, I am here.")).to_be_visible(
        timeout=WAIT_MS
    )
    assert len(_notes(agent)) == 2

    # Back on the tab: the chime and the title are enough, no notification.
    agent.evaluate("() => window.__setVisibility('visible')")
    second_ctx, second = _ask_for_a_person(browser, base, "Otto Other", "Hello, I need help with my order")
    other = agent.locator("#mine-list .conv-item").filter(has_text="Otto Other")
    expect(other).to_have_count(1, timeout=WAIT_MS)
    second_id = other.get_attribute("data-conversation-id")
    agent.wait_for_timeout(500)
    assert len(_notes(agent)) == 2

    # --- The bot's intent is corrected from the bot's own intents, not typed. ---------------
    rating = agent.locator("#rate-bot")
    expect(rating).to_be_visible(timeout=WAIT_MS)
    select = rating.locator("select")
    expect(select).to_have_count(1)
    assert rating.locator("input[type=text]").count() == 0
    values = select.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert values[0] == "" and values[-1] == "out_of_scope"
    assert {"order_status", "damaged_item", "refund_status"} <= set(values), values
    expect(rating.locator("option[value=out_of_scope]")).to_have_text(re.compile("Out of scope"))
    expect(rating.locator("label")).to_have_text(re.compile("Right intent"))
    select.select_option("damaged_item")
    rating.locator("button[data-rating=down]").click()
    expect(agent.locator(".toast--ok", has_text="noted for the next training run")).to_be_visible(timeout=WAIT_MS)
    # The thumbs are drawn, not emoji.
    expect(rating.locator("button[data-rating=up] svg")).to_have_count(1)

    # --- With a conversation open: axe again, and not one pictograph in the page. ------------
    _no_serious_violations(agent, "the inbox with a conversation open")
    assert agent.evaluate(NO_PICTOGRAPHS) == []

    # --- Keyboard shortcuts. ----------------------------------------------------------------
    agent.evaluate("() => document.activeElement && document.activeElement.blur()")
    order = agent.locator(".sidebar .conv-item").evaluate_all(
        "items => items.map(li => li.getAttribute('data-conversation-id'))"
    )
    assert {first_id, second_id} <= set(order)

    # ? opens the list as a modal dialog; Esc closes it and focus goes back where it was.
    help_button = agent.locator("#shortcuts-open")
    help_button.focus()
    agent.keyboard.press("?")
    dialog = agent.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Next conversation")
    expect(agent.locator("#shortcuts-close")).to_be_focused()
    agent.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(help_button).to_be_focused()

    # j and k move through the sidebar's conversations, in its order (so do Alt+Down and Up).
    active = agent.locator(".sidebar .conv-item.is-active")
    agent.locator(f'.conv-item[data-conversation-id="{order[0]}"] .conv-open').click()
    expect(active).to_have_attribute("data-conversation-id", order[0], timeout=WAIT_MS)
    agent.keyboard.press("j")
    expect(active).to_have_attribute("data-conversation-id", order[1], timeout=WAIT_MS)
    agent.keyboard.press("k")
    expect(active).to_have_attribute("data-conversation-id", order[0], timeout=WAIT_MS)
    agent.keyboard.press("Alt+ArrowDown")
    expect(active).to_have_attribute("data-conversation-id", order[1], timeout=WAIT_MS)
    agent.keyboard.press("Alt+ArrowUp")
    expect(active).to_have_attribute("data-conversation-id", order[0], timeout=WAIT_MS)
    agent.locator(f'.conv-item[data-conversation-id="{first_id}"] .conv-open').click()
    expect(agent.locator("#conv-title")).to_contain_text("Nora Notified", timeout=WAIT_MS)

    # r focuses the reply box, and the r is not typed into it.
    agent.keyboard.press("r")
    reply = agent.locator("#reply-input")
    expect(reply).to_be_focused()
    expect(reply).to_have_value("")
    # Typing there, letters are letters: j types a j and opens nothing.
    agent.keyboard.type("jk")
    expect(reply).to_have_value("jk")
    expect(agent.locator(f'.conv-item.is-active[data-conversation-id="{first_id}"]')).to_have_count(1)
    reply.fill("")
    # Esc leaves the box; n switches to an internal note and back.
    agent.keyboard.press("Escape")
    expect(reply).not_to_be_focused()
    agent.keyboard.press("n")
    expect(agent.locator("#note-toggle")).to_have_attribute("aria-checked", "true")
    expect(reply).to_be_focused()
    agent.keyboard.press("Escape")
    agent.keyboard.press("n")
    expect(agent.locator("#note-toggle")).to_have_attribute("aria-checked", "false")
    expect(reply).to_have_value("")
    agent.keyboard.press("Escape")

    # t takes the agent to the transfer choice; e to the Resolve button, without resolving.
    agent.keyboard.press("t")
    expect(agent.locator("#transfer-select")).to_be_focused()
    agent.keyboard.press("Escape")
    agent.keyboard.press("e")
    expect(agent.locator("#resolve-btn")).to_be_focused()
    expect(agent.locator("#resolve-btn")).to_be_enabled()
    agent.keyboard.press("Escape")
    expect(agent.locator("#transfer-select")).not_to_be_focused()

    # --- A transfer says so once, and no error follows. -------------------------------------
    other.click()
    expect(agent.locator("#conv-title")).to_contain_text("Otto Other", timeout=WAIT_MS)
    agent.select_option("#transfer-select", "Billing")
    agent.click("#transfer-btn")
    expect(agent.locator(".toast--ok", has_text="Transferred to Billing.")).to_have_count(1, timeout=WAIT_MS)
    # Not one of Billing's agents, Grace no longer sees it: it closes, quietly.
    expect(agent.locator("#empty-state")).to_be_visible(timeout=WAIT_MS)
    expect(agent.locator(f'.conv-item[data-conversation-id="{second_id}"]')).to_have_count(0, timeout=WAIT_MS)
    agent.wait_for_timeout(1000)  # the refetch after the transfer has long answered
    expect(agent.locator(".toast--error")).to_have_count(0)

    # --- e then Enter resolves the open conversation (the desk is shared with later tests). --
    agent.locator(f'.conv-item[data-conversation-id="{first_id}"] .conv-open').click()
    expect(agent.locator("#conv-title")).to_contain_text("Nora Notified", timeout=WAIT_MS)
    agent.evaluate("() => document.activeElement && document.activeElement.blur()")
    expect(agent.locator("#resolve-btn")).to_be_enabled(timeout=WAIT_MS)
    agent.keyboard.press("e")
    expect(agent.locator("#resolve-btn")).to_be_focused()
    agent.keyboard.press("Enter")
    expect(first.locator("#chat-status")).to_contain_text("esolved", timeout=WAIT_MS)
    second.click("#end-chat")
    second.click("#end-confirm-btn")
    expect(second.locator("#chat-ended")).to_be_visible(timeout=WAIT_MS)
    first_ctx.close()
    second_ctx.close()
    agent_ctx.close()
