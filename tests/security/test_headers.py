"""Security headers on the main pages, and pages that a strict Content-Security-Policy does
not break: no inline script, handler or style in what we serve, and (in Chromium, against a
live daphne) no CSP violation reported while the pages run, websockets included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.browser import chromium
from tests.support.people import make_agent

pytestmark = pytest.mark.django_db

PAGES = [
    "/chat/",
    "/login/",
    "/inbox/",
    "/analytics/",
    "/analytics/weekly/",
    "/admin/",
    "/admin/login/",
    "/admin/helpdesk/conversation/",
    "/admin/helpdesk/queue/add/",
    "/admin/routing/rule/dry-run/",
    "/api/docs/",
    "/api/schema/",
    "/api/v1/inbox/",
    "/healthz",
]


def _csp(header: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


@pytest.fixture
def root(queues):
    profile = make_agent("root", list(queues.values()), supervisor=True)
    profile.user.is_superuser = True
    profile.user.save(update_fields=["is_superuser"])
    return profile


ANONYMOUS = {"/login/", "/admin/login/"}  # a signed-in user is sent on from these


def _get(path: str, root):
    from django.test import Client

    client = Client()
    if path not in ANONYMOUS:
        client.force_login(root.user)
    return client.get(path)


def test_every_main_page_carries_the_security_headers(root) -> None:
    for path in PAGES:
        answer = _get(path, root)
        assert answer.status_code == 200, path
        csp = _csp(answer["Content-Security-Policy"])
        assert csp["default-src"] == "'self'", path
        assert csp["script-src"] == "'self'", path  # no 'unsafe-inline', no 'unsafe-eval', no CDN
        # The chat alone may be framed, by the desk itself and the widget's sites (none here).
        framed = path == "/chat/"
        assert csp["object-src"] == "'none'", path
        assert csp["frame-ancestors"] == ("'self'" if framed else "'none'"), path
        assert csp["base-uri"] == "'self'" and csp["form-action"] == "'self'", path
        assert csp["connect-src"] == "'self' ws://testserver", path
        assert csp["style-src"] == ("'self' 'unsafe-inline'" if path == "/api/docs/" else "'self'"), path
        assert answer["X-Content-Type-Options"] == "nosniff", path
        assert answer.get("X-Frame-Options") == (None if framed else "DENY"), path
        assert answer["Referrer-Policy"] == "same-origin", path
        assert answer["Cross-Origin-Opener-Policy"] == "same-origin", path


def test_over_https_the_socket_origin_in_the_policy_is_wss(client) -> None:
    answer = client.get("/chat/", secure=True)
    assert "connect-src 'self' wss://testserver" in answer["Content-Security-Policy"]


def test_an_attachment_keeps_its_own_stricter_policy(client, started, settings, tmp_path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.support.security import PNG

    settings.MEDIA_ROOT = tmp_path
    conversation, token = started
    uploaded = client.post(
        f"/api/v1/conversations/{conversation.pk}/attachments/?token={token}",
        {"file": SimpleUploadedFile("p.png", PNG)},
    ).json()
    answer = client.get(f"/api/v1/attachments/{uploaded['id']}/", {"token": token})
    assert answer["Content-Security-Policy"] == "default-src 'none'; img-src 'self'"


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> block"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_our_pages_have_no_inline_code_for_the_policy_to_block(root) -> None:
    for path in [p for p in PAGES if not p.startswith(("/api/", "/healthz"))]:
        html = _get(path, root).content.decode()
        # JSON data blocks (Django's json_script) are data, not code: CSP does not run them.
        html = re.sub(r'<script[^>]*type="application/json"[^>]*>.*?</script>', "", html, flags=re.S)
        for pattern, what in INLINE:
            assert not pattern.search(html), (path, what, pattern.search(html).group(0))


def test_templates_and_scripts_write_no_inline_code() -> None:
    root = Path(__file__).resolve().parents[2]
    for template in (root / "templates").rglob("*.html"):
        text = template.read_text()
        for pattern, what in INLINE:
            assert not pattern.search(text), (template.name, what)
    for script in (root / "static" / "js").rglob("*.js"):  # the pages' modules in subfolders too
        text = script.read_text()
        assert "innerHTML" not in text.replace("never innerHTML", ""), script.name
        assert not re.search(r"\beval\(|new Function\(|setAttribute\(\s*['\"]style", text), script.name


# --- Chromium against a live daphne --------------------------------------------------------


@pytest.fixture
def browser():
    with chromium() as launched:
        yield launched


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_the_pages_run_in_chromium_without_a_csp_violation(live_daphne, browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            console.append(message.text)

    page.on("console", on_console)
    # securitypolicyviolation events, recorded by the page itself (an init script is not
    # subject to the page's policy).
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )

    def visit(path: str) -> None:
        page.goto(f"{live_daphne.url}{path}")
        page.wait_for_load_state("networkidle")
        seen = page.evaluate("window.__csp")
        assert not seen, (path, seen)

    # The chat: its script runs and its websocket connects (connect-src).
    visit("/chat/")
    page.fill("#prechat-name", "Csp Tester")
    page.click("#chat-start")
    page.locator("#chat-input").wait_for(state="visible", timeout=15_000)
    page.wait_for_function("!document.querySelector('#chat-input').disabled", timeout=15_000)
    assert not page.evaluate("window.__csp")
    # Swagger UI, from our own static files: it renders the schema's title.
    visit("/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for(timeout=15_000)
    assert "Helpdesk API" in page.locator(".swagger-ui .info .title").inner_text()
    for path in ("/login/", "/admin/login/"):
        visit(path)
    page.goto(f"{live_daphne.url}/login/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", "demo-pass-123")
    page.click("#login-submit")
    page.wait_for_url("**/inbox/")
    for path in ("/inbox/", "/analytics/", "/analytics/weekly/", "/admin/", "/admin/helpdesk/queue/add/"):
        visit(path)
    assert not console, console
    context.close()
