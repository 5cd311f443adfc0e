"""Which inbox sockets are alive: one entry per socket, refreshed while its process lives.

`AgentProfile.open_connections` alone could not notice a daphne that died with sockets open
(kill -9, out of memory, a lost machine): nobody ever closed them, so their agents stayed
online forever and routing kept handing them chats. Each socket now also keeps an entry with
its last-seen time, refreshed every HELPDESK_PRESENCE_HEARTBEAT_SECONDS by the process that
holds it. An agent whose entries are all older than HELPDESK_PRESENCE_TTL_SECONDS is *stale*:
routing skips them at once, and the presence sweep (Celery beat) takes them offline.

An agent with no entries at all is not stale but unknown (presence set by hand, or Redis
restarted and lost them): the database's presence stands, as it did before, and the next
heartbeat of a living socket records it again.

Production only: a Redis sorted set per agent (member: the socket's channel name, score: last
seen, wall-clock seconds, so the processes' clocks must agree to well under the TTL). A Redis
that does not answer fails open (nobody is stale). Embedded mode is one process, whose sockets
all die with it; there the counter is exact and nothing is recorded here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from django.conf import settings

logger = logging.getLogger(__name__)

_KEY = "helpdesk:presence:{}"
_client = None


def tracked() -> bool:
    """Whether sockets are recorded (production: several processes share the agents)."""
    return bool(settings.REDIS_URL)


def _redis():
    global _client
    if _client is None:
        import redis

        _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    return _client


def _ttl() -> float:
    return float(settings.HELPDESK_PRESENCE_TTL_SECONDS)


def touch(user_id: int, connection: str) -> None:
    """The socket `connection` of agent `user_id` is alive now."""
    if tracked():
        _redis().zadd(_KEY.format(user_id), {connection: time.time()})


def drop(user_id: int, connection: str) -> None:
    """The socket closed. Entries of sockets that died unseen go with it."""
    if not tracked():
        return
    horizon = time.time() - _ttl()
    _redis().pipeline().zrem(_KEY.format(user_id), connection).zremrangebyscore(
        _KEY.format(user_id), "-inf", horizon
    ).execute()


def fresh_count(user_id: int) -> int:
    """How many of the agent's sockets were seen within the TTL (production only)."""
    horizon = time.time() - _ttl()
    return int(_redis().zcount(_KEY.format(user_id), f"({horizon}", "+inf"))


def stale_users(user_ids: Iterable[int]) -> set[int]:
    """The agents among `user_ids` who have entries and none of them fresh."""
    if not tracked():
        return set()
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return set()
    horizon = time.time() - _ttl()
    try:
        pipe = _redis().pipeline()
        for user_id in ids:
            pipe.zcard(_KEY.format(user_id))
            pipe.zcount(_KEY.format(user_id), f"({horizon}", "+inf")
        answers = pipe.execute()
    except Exception:  # noqa: BLE001 - Redis away: fail open, as before presence expired
        logger.warning("presence: Redis did not answer; nobody counts as stale", exc_info=True)
        return set()
    return {u for u, total, fresh in zip(ids, answers[::2], answers[1::2], strict=True) if total and not fresh}


def forget_stale(user_id: int) -> None:
    """Remove the agent's expired entries (after the sweep took them offline)."""
    if tracked():
        _redis().zremrangebyscore(_KEY.format(user_id), "-inf", time.time() - _ttl())
