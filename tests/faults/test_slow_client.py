"""A customer socket whose client stops reading, while its conversation is flooded.

The stalled client is a raw TCP socket with a 4 KiB receive buffer that completes the
websocket handshake and then never reads. Frames for its conversation are published straight
onto the channel layer (as fast as a busy conversation's pushes, and bigger), so that only
the server's side of that one socket can back up. Other customers on the same daphne keep
their round trips (send a message, see it come back); the daphne drops the stalled socket
once more than HELPDESK_WS_SEND_BUFFER_LIMIT waits for it (config/ws_guard.py), so its memory
stays bounded instead of growing with the flood.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import statistics
import time
import uuid
from urllib.parse import urlparse

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer

from tests.support.wsclient import is_message

from .clients import Customer
from .stack import Stack, rss_bytes

pytestmark = [pytest.mark.production, pytest.mark.timeout(240)]

FRAME_PAD = 60_000
FRAMES = 640  # ~38 MB for the stalled socket, ten times the guard's 1 MiB plus the kernel's buffers


def _stalled_socket(url: str, path: str) -> socket.socket:
    """A websocket client that completes the handshake and never reads again."""
    parsed = urlparse(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((parsed.hostname, parsed.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {parsed.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(1024)
    assert answer.startswith(b"HTTP/1.1 101"), answer[:200]
    return sock


def _closed_by_server(sock: socket.socket, timeout: float) -> bool:
    """Read what is left; True if the server ended the connection within `timeout`."""
    sock.settimeout(0.5)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if not sock.recv(1 << 20):
                return True
        except ConnectionResetError:
            return True
        except TimeoutError:
            continue
    return False


async def _round_trips(customer: Customer, label: str, count: int) -> list[float]:
    """Seconds from sending a message to seeing it come back, `count` times."""
    times = []
    for i in range(count):
        started = time.monotonic()
        await customer.say(f"{label} {i}", f"{customer.id[:8]}-{label}-{i}")
        await customer.until(is_message("customer", f"{label} {i}"), timeout=20)
        times.append(time.monotonic() - started)
        await asyncio.sleep(0.15)  # under the customer rate limit
    return times


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


async def test_a_client_that_stops_reading_slows_nobody_and_is_dropped(stack: Stack) -> None:
    server = stack.daphnes[0]
    stalled = Customer.start(server, "Stalled")
    sock = await asyncio.to_thread(_stalled_socket, server.url, stalled.path)
    others = [Customer.start(server, f"Other {n}") for n in range(4)]
    for customer in others:
        await customer.connect(server)
        await customer.until(is_message("bot"))

    baseline = [t for ts in await asyncio.gather(*(_round_trips(c, "calm", 6) for c in others)) for t in ts]
    rss_before = rss_bytes(server.process.pid)

    layer = RedisPubSubChannelLayer(hosts=[stack.redis.url])
    group = f"conv.{uuid.UUID(stalled.id).hex}"
    peak = rss_before

    async def flood() -> None:
        nonlocal peak
        pad = "x" * FRAME_PAD
        for n in range(FRAMES):
            await layer.group_send(group, {"type": "customer.frame", "frame": {"type": "typing", "n": n, "pad": pad}})
            if n % 8 == 7:
                await asyncio.sleep(0.04)  # ~12 MB/s: a pace Redis's pub/sub buffers take
                peak = max(peak, rss_bytes(server.process.pid))

    during, _ = await asyncio.gather(
        asyncio.gather(*(_round_trips(c, "flood", 10) for c in others)),
        flood(),
    )
    during = [t for ts in during for t in ts]
    await layer.flush()
    peak = max(peak, rss_bytes(server.process.pid))

    assert await asyncio.to_thread(_closed_by_server, sock, 10), "the stalled socket was never dropped"
    assert "dropping websocket" in server.log()
    # 38 MB went to a client that read none of it. Unguarded, daphne grew by about that much
    # (37 MB measured); guarded, by the limit and change (2.5 MB).
    growth = peak - rss_before
    assert growth < 15 * 1024 * 1024, f"daphne grew {growth / 1e6:.1f} MB"
    # Everyone else's round trips barely notice (generous bounds for a shared 2-core machine).
    assert _p95(during) < max(1.0, 4 * _p95(baseline)), (_p95(baseline), _p95(during))
    # The dropped client comes back with after= and finds its conversation intact.
    await stalled.connect(server)
    await stalled.until(is_message("bot"))
    for customer in (stalled, *others):
        await customer.close()
    sock.close()
