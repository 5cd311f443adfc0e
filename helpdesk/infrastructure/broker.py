"""A task sent to a Redis broker as one LPUSH, without Celery's producer on the way.

Celery's own publish (`task.delay`) costs about 1 ms of a server's CPU for each customer
message (kombu's producer pool, channel and message objects, a new redis-py client per call),
more than the message's own write (docs/benchmarks.md, "The task sent in one LPUSH"). What
it sends to a Redis broker is one JSON envelope pushed onto the queue's list: Celery's message
protocol 2 (headers, a body of `[args, kwargs, embed]`) inside kombu's Redis transport format
(the body base64-encoded, the delivery properties beside it). So Celery builds the envelope
once per task and process (`_Template`), and each call fills in its id and arguments and
pushes it on a kept client: ~0.2 ms.

Only a plain call takes this path: positional arguments, JSON, no compression, protocol 2,
a direct-exchange route (Celery then sends to the queue by name), no key prefix on the broker,
no TLS settings beside the URL (`broker_use_ssl`), and no task running in this thread (a task
sent from inside another carries its parent's ids, which Celery fills in). Anything else, and
any broker that is not Redis, goes through `task.delay`. The envelope is held to Celery's own,
field by field, by tests/test_broker.py; a Celery or kombu upgrade that changes it fails there.
"""

from __future__ import annotations

import base64
import os
import threading
import uuid
from typing import Any

import redis
from celery.utils.saferepr import saferepr
from kombu.utils.json import dumps  # what kombu's JSON serializer and its Redis transport use
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

_DELIVERY_MODES = {"transient": 1, "persistent": 2}  # Celery's names for AMQP's numbers


class _Template:
    """The envelope of one task, as Celery builds it, less what each call changes."""

    def __init__(self, task: Any, queue: str) -> None:
        app = task.app
        message = app.amqp.as_task_v2(
            "template",
            task.name,
            (),
            {},
            reply_to=app.thread_oid,
            time_limit=task.time_limit,
            soft_time_limit=task.soft_time_limit,
            ignore_result=task.ignore_result,
        )
        self.headers: dict[str, Any] = message.headers
        self.properties: dict[str, Any] = message.properties
        self.embed: dict[str, Any] = message.body[2]
        self.queue = queue
        mode = app.conf.task_default_delivery_mode
        self.delivery_mode = _DELIVERY_MODES.get(mode, mode)
        self.argsrepr_max = app.amqp.argsrepr_maxsize
        self.argsrepr_levels = app.conf.task_repr_maxlevels

    def argsrepr(self, args: tuple[Any, ...]) -> str:
        return saferepr(args, self.argsrepr_max, maxlevels=self.argsrepr_levels)

    def envelope(self, args: tuple[Any, ...]) -> str:
        task_id = str(uuid.uuid4())
        headers = {**self.headers, "id": task_id, "root_id": task_id, "argsrepr": self.argsrepr(args)}
        body = dumps([list(args), {}, self.embed]).encode()
        return dumps(
            {
                "body": base64.b64encode(body).decode(),
                "content-encoding": "utf-8",
                "content-type": "application/json",
                "headers": headers,
                "properties": {
                    **self.properties,
                    "correlation_id": task_id,
                    "delivery_mode": self.delivery_mode,
                    "delivery_info": {"exchange": "", "routing_key": self.queue},
                    "priority": 0,
                    "body_encoding": "base64",
                    "delivery_tag": str(uuid.uuid4()),
                },
            }
        )


class _Publisher:
    """One per process (a forked worker child makes its own) and broker URL."""

    def __init__(self, url: str) -> None:
        self.pid = os.getpid()
        self.url = url
        # Bounded like kombu's default publish retry (three more tries within about half a
        # second): a Redis that is down must not hold a server's thread for long. The message
        # is stored already; beat's bots.tasks.read_missed sends its turn again later.
        self.client = redis.Redis.from_url(
            url,
            socket_connect_timeout=2,
            socket_timeout=5,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 3),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        self.templates: dict[str, _Template | None] = {}

    def template(self, task: Any) -> _Template | None:
        name = task.name
        if name not in self.templates:
            self.templates[name] = _template_for(task)
        return self.templates[name]


def _template_for(task: Any) -> _Template | None:
    """The template, or None where this task's calls must go through Celery's publish."""
    conf = task.app.conf
    if (
        conf.task_protocol != 2
        or (task.serializer or conf.task_serializer) != "json"
        or conf.task_compression
        or conf.task_queue_max_priority
        or conf.task_default_priority
        or (conf.broker_transport_options or {}).get("global_keyprefix")
    ):
        return None
    route = task.app.amqp.router.route({}, task.name, (), {})
    queue = route.get("queue")
    if set(route) - {"queue"} or queue is None or queue.exchange.type != "direct" or queue.queue_arguments:
        return None
    return _Template(task, queue.name)


_publisher: _Publisher | None = None
_lock = threading.Lock()


def _current(app: Any) -> _Publisher | None:
    global _publisher
    url = app.conf.broker_url or ""
    # TLS set apart from the URL (broker_use_ssl) is kombu's to apply: such a desk keeps it.
    if not url.startswith(("redis://", "rediss://")) or app.conf.broker_use_ssl:
        return None
    if not _serves(_publisher, url):
        with _lock:
            if not _serves(_publisher, url):
                _publisher = _Publisher(url)
    return _publisher


def _serves(publisher: _Publisher | None, url: str) -> bool:
    return publisher is not None and publisher.pid == os.getpid() and publisher.url == url


def send(task: Any, *args: Any) -> None:
    """`task.delay(*args)`, in one LPUSH where the task and broker allow it (above)."""
    publisher = _current(task.app) if task.app.current_worker_task is None else None
    template = publisher.template(task) if publisher is not None else None
    if template is None:
        task.delay(*args)
        return
    publisher.client.lpush(template.queue, template.envelope(args))
