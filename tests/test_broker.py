"""A task sent in one LPUSH (helpdesk/infrastructure/broker.py) is the message Celery sends.

Each task the desk sends through `run_task` is published both ways to a real Redis: Celery's
own publish and the one-LPUSH path. The two envelopes must match field by field, but for the
ids each call draws afresh; a Celery or kombu upgrade that changes the message fails here.
That a worker runs such a message is shown end to end by tests/integration (the bot's answer
comes from a Celery worker) and tests/faults.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from bots.tasks import handle_message, train_intent_model
from helpdesk.infrastructure import broker
from helpdesk.tasks import send_outbound_email, sweep_inactive, sweep_presence
from tests.support.services import require_redis

pytestmark = pytest.mark.production

FRESH_PER_CALL = {("headers", "id"), ("headers", "root_id"), ("properties", "correlation_id")}
FRESH_PER_CALL |= {("properties", "delivery_tag")}


@pytest.fixture
def redis_broker() -> Iterator[tuple[Any, str]]:
    """The Celery app pointed at a Redis database of its own, restored afterwards."""
    import redis

    parts = urlsplit(require_redis())
    url = urlunsplit(parts._replace(path="/12"))
    client = redis.Redis.from_url(url)
    client.flushdb()
    app = handle_message.app
    before = app.conf.broker_url
    app.conf.broker_url = url
    try:
        yield client, url
    finally:
        app.conf.broker_url = before
        client.flushdb()


def _published(client: Any, queue: str) -> dict[str, Any]:
    (raw,) = client.lrange(queue, 0, -1)
    client.delete(queue)
    return json.loads(raw)


def _comparable(envelope: dict[str, Any]) -> dict[str, Any]:
    out = {key: dict(value) if isinstance(value, dict) else value for key, value in envelope.items()}
    for part, key in FRESH_PER_CALL:
        assert out[part].pop(key)
    out["body"] = json.loads(base64.b64decode(out["body"]))
    return out


@pytest.mark.parametrize(
    ("task", "args", "queue"),
    [
        (handle_message, (4812,), "ml"),
        (train_intent_model, (7,), "ml"),
        (send_outbound_email, (33,), "default"),
        (sweep_inactive, (), "default"),
        (sweep_presence, (), "default"),
    ],
    ids=lambda value: getattr(value, "name", None),
)
def test_a_task_sent_in_one_lpush_is_the_message_celery_sends(redis_broker, task, args, queue) -> None:
    client, url = redis_broker
    with task.app.connection_for_write(url) as connection:
        task.apply_async(args, connection=connection)
    celerys = _published(client, queue)

    broker.send(task, *args)
    ours = _published(client, queue)

    assert _comparable(ours) == _comparable(celerys)
    assert json.dumps(ours["headers"]) != json.dumps(celerys["headers"])  # new ids for each call
    assert _comparable(ours)["body"][0] == list(args)


@pytest.mark.parametrize(
    "conf",
    [
        {"broker_url": "amqp://guest@127.0.0.1:5672//"},
        {"broker_url": "sentinel://127.0.0.1:26379/0"},
        {"broker_url": "rediss://127.0.0.1:6380/0", "broker_use_ssl": {"ssl_cert_reqs": "required"}},
    ],
    ids=["amqp", "sentinel", "tls-settings"],
)
def test_a_broker_this_path_does_not_know_gets_celerys_own_publish(monkeypatch, conf) -> None:
    sent: list[tuple[int, ...]] = []
    for key, value in conf.items():
        monkeypatch.setitem(handle_message.app.conf, key, value)
    monkeypatch.setattr(handle_message, "delay", lambda *args: sent.append(args))
    broker.send(handle_message, 12)
    assert sent == [(12,)]


def test_a_route_with_queue_arguments_gets_celerys_own_publish(redis_broker, monkeypatch) -> None:
    from kombu import Exchange, Queue

    client, _ = redis_broker
    sent: list[tuple[int, ...]] = []
    priority_queue = Queue("ml", Exchange("ml"), routing_key="ml", queue_arguments={"x-max-priority": 10})
    monkeypatch.setattr(handle_message.app.amqp.router, "route", lambda *args, **kw: {"queue": priority_queue})
    monkeypatch.setattr(handle_message, "delay", lambda *args: sent.append(args))
    monkeypatch.setattr(broker, "_publisher", None)
    broker.send(handle_message, 12)
    assert sent == [(12,)]
    assert client.llen("ml") == 0
