"""CSRF: every HTML form the app serves refuses a POST without the token, and every POST
route is either CSRF-checked or on a short, documented list of token-authenticated JSON
endpoints (docs/security.md, "CSRF").

The crawl logs in as a superuser who is also a supervisor (so every admin page, the inbox and
analytics are reachable), follows same-site links from the main pages, and collects every
<form method="post">. Each one is then posted without the token from a client that enforces
CSRF like a browser session would: Django must answer 403 "CSRF verification failed", and
nothing in the database may change."""

from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.support.people import make_agent

pytestmark = pytest.mark.django_db(transaction=True)

START = ["/", "/chat/", "/login/", "/inbox/", "/analytics/", "/analytics/weekly/", "/admin/", "/api/docs/"]
SKIP = re.compile(r"^/(static|media)/|^/admin/(logout|jsi18n|r)/|\.csv$|/export/$|^/api/v1/|^/healthz")
MAX_PAGES = 160
PER_SHAPE = 2

# The POST routes that skip Django's CSRF check, on purpose: they take no cookie at all
# (authentication_classes = []), so a cross-site form can do nothing there that the attacker
# could not do from their own machine. The customer's token or the agent's password in the
# body is the credential. See docs/security.md.
CSRF_EXEMPT_ROUTES = {
    "api/v1/conversations/",
    "api/v1/conversations/<str:conversation_id>/attachments/",
    "api/v1/conversations/<str:conversation_id>/state/",
    "api/v1/auth/token/",
}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "a" and found.get("href"):
            self.links.append(found["href"])
        if tag == "form":
            self.forms.append(found)


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()} | {}


def _crawl(client: Client) -> tuple[set[str], dict[str, str]]:
    """Pages visited, and POST form actions -> the page that served the form."""
    seen: set[str] = set()
    forms: dict[str, str] = {}
    shapes: Counter[str] = Counter()  # pages of one shape (an object's change page, any id)
    todo = deque(START)
    while todo and len(seen) < MAX_PAGES:
        path = todo.popleft()
        if path in seen or SKIP.search(path):
            continue
        shape = re.sub(r"/\d+/", "/<id>/", path)
        if shapes[shape] >= PER_SHAPE:
            continue  # sixty articles' pages prove no more than two
        shapes[shape] += 1
        seen.add(path)
        answer = client.get(path)
        if answer.status_code in (301, 302):
            todo.append(urlsplit(answer["Location"]).path)
            continue
        if answer.status_code != 200 or "text/html" not in answer.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(answer.content.decode())
        for form in page.forms:
            if form.get("method", "get").lower() == "post":
                action = urlsplit(urljoin(path, form.get("action") or path))
                forms.setdefault(action.path + (f"?{action.query}" if action.query else ""), path)
        for href in page.links:
            target = urlsplit(urljoin(path, href))
            if target.netloc in ("", "testserver") and target.path.startswith("/"):
                todo.append(target.path)
    return seen, forms


@pytest.fixture
def superuser(queues):
    profile = make_agent("root", list(queues.values()), supervisor=True, display_name="Root")
    profile.user.is_superuser = True
    profile.user.save(update_fields=["is_superuser"])
    return profile


def test_every_post_form_refuses_a_post_without_the_csrf_token(queued, superuser) -> None:
    browser = Client(enforce_csrf_checks=True)
    _, login_forms = _crawl(browser)  # anonymous: the login pages' forms
    browser.force_login(superuser.user)
    pages, forms = _crawl(browser)
    forms |= login_forms

    # The crawl reached what it should: else the test proves nothing.
    for expected in ("/inbox/", "/analytics/", "/admin/", "/admin/helpdesk/queue/add/", "/admin/routing/rule/import/"):
        assert expected in pages, expected
    assert len(pages) > 40
    for expected in ("/login/", "/admin/login/", "/logout/", "/admin/logout/", "/admin/helpdesk/queue/add/"):
        assert any(action.split("?")[0] == expected for action in forms), expected
    assert any(re.search(r"^/admin/helpdesk/queue/\d+/change/", a) for a in forms)
    assert any(re.search(r"/delete/", a) for a in forms)
    assert len(forms) > 30

    before = _row_counts()
    for action, page in sorted(forms.items()):
        answer = browser.post(action, {"username": "root", "password": "demo-pass-123", "name": "x"})
        assert answer.status_code == 403, (action, page, answer.status_code)
        assert b"CSRF verification failed" in answer.content, (action, page)
    assert _row_counts() == before
    # Still logged in: the logout forms did nothing either.
    assert browser.get("/inbox/").status_code == 200


def test_the_same_form_with_its_token_goes_through(queues, superuser) -> None:
    """The control: the 403 above is CSRF's, not some other refusal."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(superuser.user)
    browser.get("/admin/helpdesk/queue/add/")
    token = browser.cookies["csrftoken"].value
    answer = browser.post("/admin/helpdesk/queue/add/", {"name": "Escalations", "csrfmiddlewaretoken": token})
    assert answer.status_code in (200, 302)
    assert b"CSRF verification failed" not in answer.content


def _routes():
    def walk(patterns, prefix: str):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield route, pattern.callback

    yield from walk(get_resolver().url_patterns, "")


def test_only_the_documented_token_authenticated_routes_skip_csrf() -> None:
    from rest_framework.authentication import SessionAuthentication

    exempt = set()
    for route, callback in _routes():
        if not getattr(callback, "csrf_exempt", False):
            continue  # Django's middleware checks every unsafe method here
        view_class = getattr(callback, "cls", None)
        if view_class is None:
            exempt.add(route)
            continue
        # DRF views are csrf_exempt for the middleware and check CSRF themselves whenever the
        # user came in by session cookie (SessionAuthentication.enforce_csrf).
        classes = view_class.authentication_classes
        if not any(issubclass(c, SessionAuthentication) for c in classes):
            exempt.add(route)
    # The schema and docs pages answer GET only.
    exempt -= {"api/schema/", "api/docs/"}
    assert exempt == CSRF_EXEMPT_ROUTES


def test_session_authenticated_api_posts_need_the_csrf_token(queued, agent) -> None:
    conversation, _ = queued
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent.user)
    body = {"subject": "Call back", "conversation_id": str(conversation.pk)}
    refused = browser.post("/api/v1/tickets/", body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    browser.get("/inbox/")
    token = browser.cookies["csrftoken"].value
    made = browser.post("/api/v1/tickets/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert made.status_code == 201
