"""Websocket origin check.

Browsers always send an Origin header, so a cross-site page is refused unless its host is in
ALLOWED_HOSTS. Non-browser clients (mobile apps, integrations, tests) send none; they are let
through here and must still present a valid token, which is what protects them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.http.request import is_same_domain


class OriginValidator:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        origin = None
        for name, value in scope.get("headers", []):
            if name == b"origin":
                origin = value.decode("latin-1")
                break
        if origin is not None and not self._allowed(origin):
            await send({"type": "websocket.close", "code": 4403})
            return None
        return await self.inner(scope, receive, send)

    @staticmethod
    def _allowed(origin: str) -> bool:
        host = urlparse(origin).hostname
        if not host:
            return False
        return any(pattern == "*" or is_same_domain(host, pattern) for pattern in settings.ALLOWED_HOSTS)
