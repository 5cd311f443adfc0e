"""Sockets that may have missed a live frame are closed, so that their clients replay.

With the Redis pub/sub layer, a frame published while this process was not subscribed is gone:
Redis keeps nothing for an absent subscriber. channels_redis subscribes again by itself when
Redis comes back, so the sockets would stay open and never learn what they missed (an agent's
answer, the bot's reply, their own message's echo). Each daphne therefore checks its layer
every HELPDESK_LAYER_CHECK_SECONDS: a beat sent to itself through Redis must come back, and
Redis must still be the same server (its run_id: a quick restart could fall between two
beats). After a failure, once the layer works again, every socket of the process is closed
with code 4012; clients reconnect with `after=<last seq>` and the replay fills the gap
(docs/faults.md). Embedded mode (in-memory layer, one process) has nothing to watch.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

# "Reconnect and replay": what a client should do when it sees this close code.
RECONNECT_CODE = 4012

_sockets: weakref.WeakSet[Any] = weakref.WeakSet()
_watchers: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}


def watch(consumer: Any) -> None:
    """An accepted socket of this process; starts the process's check on first use."""
    if not settings.REDIS_URL:
        return
    _sockets.add(consumer)
    loop = asyncio.get_running_loop()
    task = _watchers.get(loop)
    if task is None or task.done():
        _watchers[loop] = loop.create_task(_check_forever(consumer.channel_layer))


def unwatch(consumer: Any) -> None:
    _sockets.discard(consumer)


async def _check_forever(layer: Any) -> None:
    from redis import asyncio as aioredis

    interval = float(settings.HELPDESK_LAYER_CHECK_SECONDS)
    # Generous: a busy event loop must not pass for a broken layer.
    timeout = max(5.0, 3 * interval)
    client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=timeout)
    server: str | None = None
    channel: str | None = None
    lost = False
    while True:
        await asyncio.sleep(interval)
        try:
            run_id = (await client.info("server"))["run_id"]
            # Subscribed only while Redis answers: a failed subscribe leaves a stray entry.
            channel = channel or await layer.new_channel("layer-check.")
            token = uuid.uuid4().hex
            await layer.send(channel, {"type": "layer.check", "token": token})
            while (await asyncio.wait_for(layer.receive(channel), timeout)).get("token") != token:
                pass
        except TimeoutError:
            # The cancelled receive unsubscribed the channel: take a new one next time.
            channel, lost = None, True
            continue
        except Exception:  # noqa: BLE001 - Redis away or failing: the sockets may miss frames
            lost = True
            continue
        if server is not None and run_id != server:
            lost = True  # a restarted Redis: whatever was published meanwhile is gone
        server = run_id
        if lost:
            lost = False
            await _close_all()


async def _close_all() -> None:
    sockets = list(_sockets)
    logger.warning("channel layer was interrupted: closing %d sockets so that their clients replay", len(sockets))
    for consumer in sockets:
        _sockets.discard(consumer)
        try:
            await consumer.close(code=RECONNECT_CODE)
        except Exception:  # noqa: BLE001 - already gone
            logger.debug("closing %r failed", consumer, exc_info=True)
