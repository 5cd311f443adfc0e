"""Shared fixtures: personas, a conversation, and real servers."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from tests.support.servers import DEMO_PASSWORD, ROOT, Server, base_env, daphne, manage

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(autouse=True)
def _bot_runs_inline(settings) -> None:
    """In-process tests run the bot's turn synchronously after commit: deterministic order."""
    settings.HELPDESK_TASK_MODE = "sync"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield


# --- personas ----------------------------------------------------------------------------


def make_agent(username: str, queues: list, *, supervisor: bool = False, capacity: int = 3, display_name: str = ""):
    from helpdesk.models import AgentProfile

    user = get_user_model().objects.create_user(username=username, password=DEMO_PASSWORD, is_staff=supervisor)
    profile = AgentProfile.objects.create(
        user=user,
        display_name=display_name or username.title(),
        max_concurrent_chats=capacity,
        is_supervisor=supervisor,
    )
    profile.queues.set(queues)
    return profile


@pytest.fixture
def queues(db) -> dict:
    from helpdesk.models import Queue

    return {
        "General": Queue.objects.create(name="General", is_default=True),
        "Billing": Queue.objects.create(name="Billing"),
        "Tech": Queue.objects.create(name="Tech"),
    }


@pytest.fixture
def agent(queues):
    """Grace works the General queue."""
    return make_agent("grace", [queues["General"]], display_name="Grace")


@pytest.fixture
def teammate(queues):
    """Tom also works General."""
    return make_agent("tom", [queues["General"]], display_name="Tom")


@pytest.fixture
def outsider(queues):
    """Olga works Billing only: General's conversations are none of her business."""
    return make_agent("olga", [queues["Billing"]], display_name="Olga")


@pytest.fixture
def supervisor(queues):
    return make_agent("sofia", list(queues.values()), supervisor=True, display_name="Sofia")


@pytest.fixture
def started(db):
    """A customer's fresh conversation: (conversation, token)."""
    from helpdesk.services.conversations import conversation_start

    return conversation_start(name="Dana Customer", email="dana@example.com")


# --- real servers ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def live_daphne(artifacts: Path) -> Iterator[Server]:
    """A real daphne serving the embedded mode (its own SQLite file, seeded demo data)."""
    workdir = Path(tempfile.mkdtemp(prefix="helpdesk-live-"))
    env = base_env(DATABASE_URL=f"sqlite:///{workdir}/db.sqlite3", HELPDESK_CREATE_RATE_LIMIT="1000")
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--password", DEMO_PASSWORD)
    try:
        with daphne(env, artifacts, name="embedded") as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
