"""The websocket guard (config/ws_guard.py) drops a frame for a socket its client has closed,
instead of raising inside the consumer before its disconnect handler can run."""

from __future__ import annotations

from daphne import ws_protocol

from config import ws_guard


def test_a_frame_for_a_closed_socket_is_dropped_and_an_open_one_is_sent() -> None:
    if getattr(ws_protocol.WebSocketFactory.protocol, "send_buffer_limit", None) is None:
        ws_guard.install(1_000_000)  # else installed already (config/asgi.py): its limit stays
    protocol_class = ws_protocol.WebSocketFactory.protocol
    protocol = protocol_class.__new__(protocol_class)
    sent: list[bytes] = []
    protocol.sendMessage = lambda payload, binary=False: sent.append(payload)
    protocol.transport = object()  # no buffer to read: not guarded by size

    for state in (protocol.STATE_CLOSING, protocol.STATE_CLOSED):
        protocol.state = state
        protocol.serverSend('{"type":"conversation.updated"}', False)
    assert sent == []

    protocol.state = protocol.STATE_OPEN
    protocol.client_addr = ("127.0.0.1", 1)
    protocol.serverSend('{"type":"ping"}', False)
    assert sent == [b'{"type":"ping"}']
