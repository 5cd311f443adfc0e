"""The conversations view's page and the permanent link /inbox/c/<id>/ (helpdesk/conversation_pages.py):
who gets which page, the CSP's rule of script files only, and a conversation the agent may not see
answering as a missing one. Driven in Chromium: tests/browser/test_conversations_view.py."""

from __future__ import annotations

import pytest

from tests.support import search_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # four personas a test
    return search_world.build()


def test_the_conversations_page(world, client) -> None:
    assert client.get("/inbox/conversations/").status_code == 302  # to the login page
    client.force_login(world.grace.user)
    page = client.get("/inbox/conversations/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="/static/js/conversations.js"' in html
    assert "<script>" not in html and "onclick" not in html  # the CSP allows only script files
    assert '<option value="General">' in html and '<option value="Billing">' not in html  # her queues


def test_the_permanent_link(world, client) -> None:
    sofa = world.ids["sofa"]
    assert client.get(f"/inbox/c/{sofa}/").status_code == 302
    client.force_login(world.grace.user)
    page = client.get(f"/inbox/c/{sofa}/")
    assert page.status_code == 200
    assert 'src="/static/js/inbox.js"' in page.content.decode()
    # Another queue's conversation, a missing one and nonsense all read the same: not here.
    for address in (
        f"/inbox/c/{world.ids['refund']}/",
        "/inbox/c/00000000-0000-0000-0000-000000000000/",
        "/inbox/c/x/",
    ):
        missing = client.get(address)
        assert missing.status_code == 404
        assert "This conversation is not here" in missing.content.decode()
