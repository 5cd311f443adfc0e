"""A websocket whose client stopped reading is dropped before its backlog eats the server.

Daphne hands each outgoing frame to Twisted, which keeps whatever the kernel will not take yet
in the connection's write buffer, without a limit. A client that stops reading (a frozen tab,
a phone that lost its radio without closing TCP) while its conversation stays busy therefore
grows the daphne process until the ping timeout (20 s + 30 s) finally drops it; a flood in
that time can be hundreds of megabytes. This guard looks at that buffer after every frame
sent and drops the connection once more than HELPDESK_WS_SEND_BUFFER_LIMIT bytes wait in it.
The client, if it comes back, reconnects with `after=<last seq>` and the replay gives it the
messages (docs/faults.md).

Installed from config/asgi.py, before daphne builds its websocket factory. The buffer is read
from Twisted's `FileDescriptor` (`dataBuffer`, `offset`, `_tempDataLen`: not public API, so
tests/faults/test_slow_client.py checks the guard against the installed Twisted); a transport
without them (TLS terminated by daphne itself) is not guarded.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def _buffered(transport: Any) -> int | None:
    """Bytes written to the transport that the kernel has not taken yet, or None if unknown."""
    data = getattr(transport, "dataBuffer", None)
    pending = getattr(transport, "_tempDataLen", None)
    if data is None or pending is None:
        return None
    return len(data) - int(getattr(transport, "offset", 0)) + int(pending)


def install(limit: int) -> None:
    from daphne import ws_protocol

    base = ws_protocol.WebSocketFactory.protocol
    if getattr(base, "send_buffer_limit", None) is not None:
        base.send_buffer_limit = limit
        return

    class GuardedWebSocketProtocol(base):
        send_buffer_limit = limit

        def serverSend(self, content: Any, binary: bool = False) -> None:  # noqa: N802 - daphne's name
            if self.state in (self.STATE_CLOSING, self.STATE_CLOSED):
                # A push that reaches a socket its client just closed: dropped. Sent, autobahn
                # raises Disconnected inside the consumer, which then dies before its
                # disconnect handler runs (an agent stayed online with no socket open).
                return
            super().serverSend(content, binary)
            buffered = _buffered(self.transport)
            if buffered is not None and buffered > self.send_buffer_limit:
                logger.warning(
                    "dropping websocket %s: %d bytes wait for a client that is not reading", self.client_addr, buffered
                )
                # Abort: a client that does not read would not read a close frame either.
                self.dropConnection(abort=True)

    ws_protocol.WebSocketFactory.protocol = GuardedWebSocketProtocol
