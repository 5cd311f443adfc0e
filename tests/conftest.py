"""Shared fixtures: personas, a conversation, and real servers."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.people import make_agent
from tests.support.servers import DEMO_PASSWORD, ROOT, Server, base_env, daphne, manage

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(autouse=True)
def _bot_runs_inline(settings) -> None:
    """In-process tests run the bot's turn synchronously after commit: deterministic order."""
    settings.HELPDESK_TASK_MODE = "sync"
    # The server loop (fail open) stays off in the test process: its database is the test's.
    settings.HELPDESK_HOUSEKEEPING_LOOP = False


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    from django.core.cache import cache

    from bots.services import knowledge

    cache.clear()
    knowledge.forget()  # each test's database has its own articles
    yield


# --- personas ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def trained_intent_head() -> bytes:
    """The seed intents' head, trained once per test session (the real encoder, ~5 s)."""
    from bots.ml.encoder import load_encoder
    from bots.ml.heads import train_softmax
    from bots.seed import seed_examples

    examples = seed_examples()
    texts = [t for values in examples.values() for t in values]
    labels = [name for name, values in examples.items() for _ in values]
    return train_softmax(load_encoder().encode(texts), labels).to_bytes()


@pytest.fixture
def queues(db, trained_intent_head) -> dict:
    """The desk's queues, and the bot's default intents with an active trained model."""
    from bots import runtime
    from bots.ml.encoder import encoder_id
    from bots.ml.heads import SoftmaxHead
    from bots.models import Intent, ModelVersion
    from bots.seed import INTENTS
    from helpdesk.models import Queue

    made = {
        "General": Queue.objects.create(name="General", is_default=True),
        "Billing": Queue.objects.create(name="Billing"),
        "Tech": Queue.objects.create(name="Tech"),
    }
    for name in ("Returns", "Retention", "Security"):
        Queue.objects.create(name=name)
    by_name = {q.name: q for q in Queue.objects.all()}
    for name, (tier, queue, description) in INTENTS.items():
        Intent.objects.create(name=name, tier=tier, default_queue=by_name.get(queue), description=description)
    head = SoftmaxHead.from_bytes(trained_intent_head)
    ModelVersion.objects.create(
        kind="intent",
        training_size=1,
        classes=list(head.classes),
        metrics={"accuracy": 0.9, "macro_f1": 0.9},
        settings={"encoder": encoder_id()},
        head=trained_intent_head,
        active=True,
    )
    runtime.forget()
    from routing.rules.loader import forget as forget_rules
    from routing.services import rules_seed

    rules_seed()
    forget_rules()
    from bots.services.patterns import patterns_forget, patterns_seed

    patterns_seed()  # a transactional test's flush took the migration's rows
    patterns_forget()
    from helpdesk.management.demo_content import seed_orders_and_articles

    seed_orders_and_articles()
    return made


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
