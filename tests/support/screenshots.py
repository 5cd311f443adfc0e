"""The README's screenshots by one command: `make screenshots` (`python -m tests.support.screenshots`).

A demo desk of its own (a fresh SQLite file, `seed_demo`, a day of conversations added through
the kernel's services), served by daphne and photographed in headless Chromium: the customer's
chat and the inbox with that chat open, then each page in `PAGES` as the demo supervisor. The
PNGs go to docs/screenshots/ (or --out). A page that answers 404 is skipped with a note, so a
page still being built does not stop the others; to add one, add a line to `PAGES`.

Here, not in bench/ (benchmarks) and not run by pytest: it reuses the test suite's servers and
browser (tests/support/servers.py, browser.py), and `make test` never rewrites the pictures.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.servers import DEMO_PASSWORD, ROOT, base_env, daphne, manage

WAIT_MS = 20_000
WIDE = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Page:
    file: str
    path: str  # may name an id from `seed_activity`'s answer: {article}, {rule}, {intent}
    what: str
    settle_ms: int = 300  # charts drawn, a live board's first push
    height: int = WIDE["height"]
    click: str | None = None  # clicked once the page has loaded (the widget's launcher)


PAGES = [
    Page("analytics.png", "/analytics/", "the analytics dashboard"),
    Page("analytics-weekly.png", "/analytics/weekly/", "the weekly report"),
    Page(
        "kb-article.png",
        "/admin/helpdesk/article/{article}/change/",
        "a knowledge-base article in the admin",
        height=1400,
    ),
    Page("live-board.png", "/analytics/live/", "the live board", settle_ms=2000),
    Page("rule.png", "/admin/routing/rule/{rule}/change/", "a routing rule's page"),
    Page("intents.png", "/admin/bots/intent/", "the intents page"),
    Page("conversations.png", "/inbox/conversations/?status=resolved", "past conversations, searchable"),
    Page("tickets.png", "/inbox/tickets/", "callback tickets", settle_ms=1000, click=".ticket-row"),
    Page(
        "widget.png",
        "/widget/demo/",
        "a shop page with the chat widget",
        settle_ms=1500,
        click="#helpdesk-widget-launcher",
    ),
]

# What a day at the demo desk looks like: (customer, what they write, what happens after).
# "answered": the bot answers and the customer says it helped; "person": the chat is handed
# to a person, who replies and resolves it, and the customer rates it; "callback": it waits
# with nobody online and the customer leaves a callback ticket.
ACTIVITY = [
    ("Ava Turner", "which payment methods do you accept?", "answered", "yes"),
    ("Noah Brooks", "how long does delivery take to Germany?", "answered", "yes, thanks"),
    ("Mia Clarke", "how do I return a pair of shoes?", "answered", "no"),
    ("Liam Patel", "I was charged twice for order A-1001, this is ridiculous", "person", "5"),
    ("Emma Rossi", "I want to talk to a person please", "person", "4"),
    ("Oliver King", "my account is locked and I can't log in", "person", "3"),
    ("Sofia Lind", "where is my order A-1002?", "answered", ""),
    ("Lucas Meyer", "I want to cancel my subscription", "person", "5"),
    ("Chloe Martin", "do you sell garden sheds?", "answered", ""),
    ("Ethan Hall", "the app crashes when I open my basket", "person", "2"),
    ("Mia Novak", "the sofa cushion arrived torn, I want a refund", "callback", ""),
    ("Noah Berg", "I was charged twice for order A-1003", "callback", ""),
]


def seed_activity() -> None:
    """Run inside `manage.py shell` on the demo database: the conversations of `ACTIVITY`, then
    print the ids the pages name, as JSON on the last line."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from bots.models import Intent
    from helpdesk.models import AgentProfile, Article, Conversation
    from helpdesk.services.claims import conversation_accept
    from helpdesk.services.closing import conversation_resolve
    from helpdesk.services.conversations import conversation_start, csat_submit
    from helpdesk.services.handoff import conversation_request_handoff
    from helpdesk.services.messages import agent_reply_post, customer_message_post
    from routing.models import Rule

    settings.HELPDESK_TASK_MODE = "sync"  # the bot answers before the next line runs
    boss = get_user_model().objects.get(username="supervisor")
    profile = AgentProfile.objects.get(user=boss)
    for name, words, course, after in ACTIVITY:
        conversation, _ = conversation_start(name=name, email=f"{name.replace(' ', '.').lower()}@example.com")
        customer_message_post(conversation_id=conversation.pk, body=words)
        if course == "answered":
            if after:
                customer_message_post(conversation_id=conversation.pk, body=after)
            continue
        conversation.refresh_from_db()
        if conversation.status == "bot":
            conversation_request_handoff(
                conversation_id=conversation.pk, trigger="customer_request", actor_type="customer"
            )
        if course == "callback":  # nobody online: the customer leaves a callback ticket
            customer_message_post(conversation_id=conversation.pk, body="Request a callback")
            continue
        conversation_accept(conversation_id=conversation.pk, agent_user_id=boss.pk)
        agent_reply_post(
            conversation_id=conversation.pk, author=boss, author_name=profile.display_name, body="Sorted, sorry!"
        )
        conversation_resolve(conversation_id=conversation.pk, actor=profile)
        csat_submit(conversation_id=conversation.pk, score=int(after))
    article = Article.objects.filter(steps__isnull=False).exclude(steps=[]).order_by("title").first()
    # The shortest rule reads best in a picture (the first ones are long patterns).
    rule = min(Rule.objects.filter(enabled=True), key=lambda r: len(json.dumps(r.conditions)), default=None)
    intent = Intent.objects.order_by("name").first()
    print(
        json.dumps(
            {
                "article": article.pk if article else Article.objects.first().pk,
                "rule": rule.pk if rule else 0,
                "intent": intent.pk if intent else 0,
                "conversations": Conversation.objects.count(),
            }
        )
    )


def _signed_in(browser, base: str, username: str, next_path: str):
    context = browser.new_context(viewport=WIDE)
    page = context.new_page()
    page.goto(f"{base}/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(rf".*{re.escape(next_path)}$"), timeout=WAIT_MS)
    return context, page


def chat_and_inbox(browser, base: str, out: Path) -> list[Path]:
    """A customer asks for a person; agent_general is handed the chat, opens it and replies."""
    from playwright.sync_api import expect

    customer_ctx = browser.new_context(viewport=PHONE)
    customer = customer_ctx.new_page()
    customer.goto(f"{base}/chat/")
    customer.fill("#prechat-name", "Dana Fischer")
    customer.click("#chat-start")
    expect(customer.locator("#chat-input")).to_be_enabled(timeout=WAIT_MS)
    customer.fill("#chat-input", "Hello, my parcel for order A-1001 has not arrived yet")
    customer.click("#chat-send")
    expect(customer.locator('#messages .msg[data-sender="bot"]').nth(1)).to_be_visible(timeout=WAIT_MS)
    expect(customer.locator("#talk-to-human")).to_be_enabled(timeout=WAIT_MS)
    customer.locator("#talk-to-human").click()
    expect(customer.locator("#chat-status")).to_contain_text("Waiting", timeout=WAIT_MS)

    agent_ctx, agent = _signed_in(browser, base, "agent_general", "/inbox/")
    assigned = agent.locator("#mine-list .conv-item").filter(has_text="Dana Fischer")
    expect(assigned).to_have_count(1, timeout=WAIT_MS)
    assigned.click()
    expect(agent.locator("#packet")).to_contain_text("Dana Fischer", timeout=WAIT_MS)
    agent.fill("#reply-input", "Hi Dana, I'm Grace. Let me check where your parcel is.")
    agent.click("#reply-send")
    expect(customer.locator('#messages .msg[data-sender="agent"]')).to_have_count(1, timeout=WAIT_MS)
    expect(agent.locator("#connection-banner")).to_be_hidden(timeout=WAIT_MS)
    agent.wait_for_timeout(500)  # the send button's and the lists' animations settle
    customer.wait_for_timeout(500)
    saved = [out / "inbox.png", out / "chat.png"]
    agent.screenshot(path=str(saved[0]))
    customer.screenshot(path=str(saved[1]))
    agent_ctx.close()
    customer_ctx.close()
    return saved


def photograph(browser, base: str, ids: dict, out: Path) -> list[Path]:
    context, page = _signed_in(browser, base, "supervisor", "/admin/")
    # The admin's model list folded away: the page itself gets the width.
    page.evaluate("() => localStorage.setItem('django.admin.navSidebarIsOpen', 'false')")
    saved = []
    for shot in PAGES:
        path = shot.path.format(**ids)
        page.set_viewport_size({"width": WIDE["width"], "height": shot.height})
        answer = page.goto(base + path)
        status = answer.status if answer else 0
        if status == 404:
            print(f"  skipped {shot.file}: {path} answers 404 ({shot.what} is not in this build)")
            continue
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        page.wait_for_load_state("networkidle")
        if shot.click:
            page.locator(shot.click).first.click()
            page.wait_for_load_state("networkidle")
        page.wait_for_timeout(shot.settle_ms)
        page.screenshot(path=str(out / shot.file))
        saved.append(out / shot.file)
    context.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out = parser.parse_args(argv).out.resolve()
    if not Path(CHROMIUM).exists():
        print(f"Chromium is needed at {CHROMIUM} (apt-get install chromium).", file=sys.stderr)
        return 1
    import playwright.sync_api as playwright_sync

    out.mkdir(parents=True, exist_ok=True)
    logs = ROOT / "test-artifacts"
    logs.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="helpdesk-screenshots-"))
    env = base_env(DATABASE_URL=f"sqlite:///{workdir}/db.sqlite3", HELPDESK_CREATE_RATE_LIMIT="1000")
    try:
        print("A demo desk: migrate, seed_demo (trains the demo model), a day of conversations ...")
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo", "--password", DEMO_PASSWORD, timeout=600)
        answer = manage(env, "shell", "-c", "from tests.support.screenshots import seed_activity; seed_activity()")
        ids = json.loads(answer.strip().splitlines()[-1])
        with daphne(env, logs, name="screenshots") as server, playwright_sync.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                saved = chat_and_inbox(browser, server.url, out) + photograph(browser, server.url, ids, out)
            finally:
                browser.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for path in saved:
        print(f"  saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
