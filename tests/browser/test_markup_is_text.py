"""Markup is text, everywhere a person reads what someone else typed, proven in Chromium.

A hostile desk (tests/support/hostile_desk.py) puts `<img onerror>`, `<script>`, `<svg onload>`,
`javascript:` links, template syntax and a near-limit message into every name, message, note,
quick reply, packet field, prediction, article, canned reply, queue, rule and order the pages
show. Each page must then show those payloads as literal text, and: no dialog opens, no page
error is thrown, no element or attribute from a payload exists in the DOM, and (where a
Content-Security-Policy is set) the browser reports no violation of it.

One daphne (on a copy of the `live_daphne` database, so its demo model and rules come for free)
and one Chromium serve the whole module.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest

from bots.flows.information import as_chat_text
from tests.support import hostile_desk as h
from tests.support.browser import chromium
from tests.support.servers import daphne, manage

pytestmark = [pytest.mark.browser]

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


# --- the desk and the browser --------------------------------------------------------------


@pytest.fixture(scope="module")
def desk(live_daphne, artifacts: Path) -> Iterator[Desk]:
    workdir = Path(tempfile.mkdtemp(prefix="helpdesk-markup-"))
    source = sqlite3.connect(live_daphne.env["DATABASE_URL"].removeprefix("sqlite:///"))
    target = sqlite3.connect(workdir / "db.sqlite3")
    try:
        source.backup(target)  # consistent even while the live daphne writes
    finally:
        source.close()
        target.close()
    env = {**live_daphne.env, "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3"}
    out = manage(env, "shell", "-c", "from tests.support.hostile_desk import main; main()")
    ids = json.loads(out.strip().splitlines()[-1])
    try:
        with daphne(env, artifacts, name="markup") as server:
            yield Desk(server.url, ids)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module", name="chromium")
def chromium_fixture() -> Iterator[playwright_sync.Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def supervisor_state(desk: Desk, chromium) -> dict:
    """The hostile supervisor's signed-in session, shared by the inbox, admin and analytics."""
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{desk.url}/login/?next=/inbox/")
    page.fill("#id_username", h.SUPERVISOR)
    page.fill("#id_password", h.PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/inbox/$"), timeout=WAIT_MS)
    state = context.storage_state()
    context.close()
    return state


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
    expect(page.locator("#reply-input")).to_have_value(h.ARTICLE_BODY.split("\n\n")[0])
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


# --- Django admin ----------------------------------------------------------------------------


def test_admin_shows_every_payload_as_text(desk: Desk, chromium, supervisor_state: dict) -> None:
    context, page, seen = new_page(chromium, state=supervisor_state)
    ids = desk.ids
    pages = {
        "/admin/routing/rule/": [h.RULE_NAME, h.IMG, h.SCRIPT, h.RULE_NOTICE],
        "/admin/routing/rulechange/": [h.RULE_NAME],
        f"/admin/routing/rulechange/{ids['rule_change']}/change/": [h.RULE_NAME, h.RULE_DESCRIPTION],
        "/admin/helpdesk/article/": [h.ARTICLE_TITLE, h.SHIPPING_TITLE],
        f"/admin/helpdesk/article/{ids['article']}/change/": [h.OLD_TITLE, h.OLD_BODY, h.ARTICLE_TITLE],
        "/admin/helpdesk/customer/": [h.CUSTOMER_NAME],
        "/admin/helpdesk/conversation/": [h.CUSTOMER_NAME, h.QUEUE, h.INTENT, h.TRIGGER],
        f"/admin/helpdesk/conversation/{ids['waiting']}/change/": [
            h.SUMMARY,
            h.JS_URL,
            h.IMG,
            h.LONG,
            h.NOTE,
            h.AGENT_NAME,
            h.TRIGGER,
        ],
        "/admin/helpdesk/queue/": [h.QUEUE],
        "/admin/helpdesk/agentprofile/": [h.AGENT_NAME],
        "/admin/helpdesk/cannedreply/": [h.CANNED_TITLE],
        "/admin/helpdesk/knowledgegap/": [h.GAP],
        "/admin/helpdesk/botrating/": [h.INTENT],
        "/admin/helpdesk/order/": [h.CARRIER],
        "/admin/bots/messageprediction/": [h.INTENT],
    }
    if ids.get("audit_entry"):  # the audit log, where this build has one
        pages["/admin/helpdesk/auditentry/"] = [h.ARTICLE_TITLE]
        pages[f"/admin/helpdesk/auditentry/{ids['audit_entry']}/change/"] = [
            h.ARTICLE_TITLE,
            h.OLD_TITLE,
            h.RULE_NOTICE,
        ]
    for path, texts in pages.items():
        answer = page.goto(f"{desk.url}{path}")
        assert answer is not None and answer.status == 200, path
        shows(page.locator("#content"), *texts)
        assert_inert(page, seen)

    # Form fields hold the payloads as values, not markup.
    page.goto(f"{desk.url}/admin/routing/rule/{ids['rule']}/change/")
    expect(page.locator("#id_name")).to_have_value(h.RULE_NAME)
    expect(page.locator("#id_description")).to_have_value(h.RULE_DESCRIPTION)
    assert json.loads(page.locator("#id_conditions").input_value()) == h.RULE["conditions"]
    assert json.loads(page.locator("#id_actions").input_value()) == h.RULE["actions"]
    assert_inert(page, seen)
    page.goto(f"{desk.url}/admin/helpdesk/customer/{ids['customer']}/change/")
    expect(page.locator("#id_name")).to_have_value(h.CUSTOMER_NAME)
    assert_inert(page, seen)
    page.goto(f"{desk.url}/admin/helpdesk/article/{ids['article']}/change/")
    expect(page.locator("#id_title")).to_have_value(h.ARTICLE_TITLE)
    expect(page.locator("#id_body")).to_have_value(h.ARTICLE_BODY)
    assert_inert(page, seen)

    # A customer admin action's confirmation page names the customer (nothing is confirmed).
    page.goto(f"{desk.url}/admin/helpdesk/customer/")
    if page.locator("select[name=action] option[value=erase_personal_data]").count():
        page.check(f"input[name=_selected_action][value='{ids['customer']}']")
        page.select_option("select[name=action]", "erase_personal_data")
        page.click("button[name=index]")
        shows(page.locator("#content"), h.CUSTOMER_NAME)
        assert_inert(page, seen)

    # The dry run: the hostile rule matches a hostile message and says why, as text.
    page.goto(f"{desk.url}/admin/routing/rule/dry-run/")
    page.fill("#id_message", f"{h.IMG} where is my parcel")
    page.click("input[type=submit][value=Run]")
    trace = page.locator("#content table", has_text=h.RULE_NAME)
    shows(trace, h.RULE_NAME, f"text contains '{h.IMG}'", f"page URL contains '{h.JS_URL}'")
    shows(page.locator("#content"), f"{h.IMG} where is my parcel")
    assert_inert(page, seen)
    context.close()


# --- analytics -------------------------------------------------------------------------------


def test_analytics_shows_every_payload_as_text(desk: Desk, chromium, supervisor_state: dict) -> None:
    context, page, seen = new_page(chromium, state=supervisor_state)
    page.goto(f"{desk.url}/analytics/")
    main = page.locator("main")
    shows(main.locator("table.data").first, h.INTENT)
    shows(main, h.TRIGGER)
    # The SVG bar chart's label and tooltip are text nodes inside <text> and <title>.
    labels = page.locator("svg.chart text.chart-label", has_text=h.TRIGGER)
    expect(labels).to_have_count(1)
    assert page.locator("svg.chart").count() >= 1
    assert_inert(page, seen)
    page.goto(f"{desk.url}/analytics/weekly/")
    shows(page.locator("main"), h.INTENT, h.TRIGGER)
    assert_inert(page, seen)
    context.close()
