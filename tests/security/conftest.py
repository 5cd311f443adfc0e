"""Fixtures for the security tests: a conversation waiting in General. (Their helpers, sockets
through the real ASGI app and personas' tokens, live in tests/support/security.py and
tests/support/sockets.py.)"""

from __future__ import annotations

import pytest

from tests.support.security import queue_it


@pytest.fixture
def queued(queues, started):
    """Dana's conversation, waiting in General: (conversation, token)."""
    conversation, token = started
    queue_it(conversation)
    conversation.refresh_from_db()
    assert conversation.queue.name == "General" and conversation.status == "queued"
    return conversation, token
