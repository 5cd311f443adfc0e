"""A stand-in for a shop's order API on loopback (the edge of the world), with the faults a real
one has: it can answer, be down (500), or be slow (longer than the desk's timeout). It counts
the requests it gets, so a test can see when the desk stopped asking."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ORDERS = {
    "B-77": {"number": "B-77", "status": "shipped", "carrier": "GLS", "tracking_number": "9"},
    "B-7700": {"number": "B-7700", "status": "shipped", "carrier": "GLS", "tracking_number": "77"},
}


class Shop:
    def __init__(self, port: int = 0) -> None:
        self.mode = "ok"  # "ok" | "down" | "slow"
        self.slow_seconds = 2.0
        self.requests = 0
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                shop.requests += 1
                if shop.mode == "slow":
                    time.sleep(shop.slow_seconds)
                if shop.mode == "down":
                    self.send_response(500)
                    self.end_headers()
                    return
                order = ORDERS.get(self.path.rsplit("/", 1)[-1])
                if order is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.end_headers()
                try:
                    self.wfile.write(json.dumps(order).encode())
                except OSError:  # the desk gave up waiting (slow mode)
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/orders"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
