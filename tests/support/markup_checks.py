"""The checks the markup-is-text browser tests (tests/browser/test_markup_*.py) share: what a
payload could have turned into in the DOM, what a page did that it must not (dialogs, page
errors, CSP reports), and pages opened on the hostile desk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import playwright.sync_api as playwright_sync

expect = playwright_sync.expect

WAIT_MS = 15_000
STORE_KEY = "helpdesk.chat.v1"

# Everything a payload could have turned into: an element it created, an event-handler or
# javascript: attribute, a script that would run. Returns one line per offender.
FIND_INJECTED = """() => {
  const found = [];
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data'];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (tag === 'script' && el.textContent.includes('alert(')) found.push('script: ' + el.textContent.slice(0, 60));
    if (tag === 'img' && el.getAttribute('src') === 'x') found.push('img src=x');
    if (tag === 'svg' && el.hasAttribute('onload')) found.push('svg onload');
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.trim().toLowerCase();
      if (name.startsWith('on') && value.includes('alert(')) found.push(tag + '[' + name + ']');
      if (urlAttrs.includes(name) && value.replace(/\\s/g, '').startsWith('javascript:')) {
        found.push(tag + '[' + name + '=' + value + ']');
      }
    }
  }
  return found;
}"""

# Recorded from the first line of every document: a CSP violation would be a payload the
# policy had to stop (or a page that breaks the policy on its own).
RECORD_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""


@dataclass
class Watch:
    """What a page did that it must not: dialogs, uncaught errors, CSP reports."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)


@dataclass
class Desk:
    url: str
    ids: dict


def watch(page: playwright_sync.Page) -> Watch:
    seen = Watch()

    def on_dialog(dialog) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            seen.csp.append(message.text)

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("console", on_console)
    return seen


def assert_inert(page: playwright_sync.Page, seen: Watch) -> None:
    offenders = page.evaluate(FIND_INJECTED)
    assert offenders == [], f"{page.url}: markup from a payload reached the DOM: {offenders}"
    violations = page.evaluate("window.__csp || []")
    assert seen.dialogs == [], f"{page.url}: a payload opened a dialog: {seen.dialogs}"
    assert seen.errors == [], f"{page.url}: page errors: {seen.errors}"
    assert seen.csp == [] and violations == [], f"{page.url}: CSP violations: {seen.csp} {violations}"


def shows(locator: playwright_sync.Locator, *texts: str) -> None:
    """Each text is there, literally (case and all), in one of the elements `locator` names."""
    for text in texts:
        expect(locator.filter(has_text=text).first).to_contain_text(text, timeout=WAIT_MS)


def humanized(text: str) -> str:
    """As inbox.js shows an intent or trigger (the payloads have no _ or - to turn into spaces)."""
    return text[:1].upper() + text[1:]


def new_page(browser, *, state: dict | None = None, chat: dict | None = None, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, storage_state=state)
    context.add_init_script(RECORD_CSP)
    if chat is not None:
        # The customer's page resumes the conversation its localStorage names.
        context.add_init_script(f"window.localStorage.setItem({json.dumps(STORE_KEY)}, {json.dumps(json.dumps(chat))})")
    page = context.new_page()
    return context, page, watch(page)


def resume(desk: Desk) -> dict:
    conversation, token = desk.ids["chat"], desk.ids["chat_token"]
    return {
        "id": conversation,
        "token": token,
        "ws_url": f"/ws/conversations/{conversation}/?token={token}",
        "lastSeq": 0,
        "outbox": [],
    }
