"""Websocket origin check.

Browsers always send an Origin header, so a cross-site page is refused unless its host is in
ALLOWED_HOSTS or HELPDESK_WS_ALLOWED_ORIGINS (e.g. a shop's domain that embeds the chat
widget). This is what stops another site's page from opening the agent socket with the
agent's session cookie (cross-site websocket hijacking): cookies ride along on a cross-site
websocket handshake, and CSRF protection does not cover websockets. A refused handshake gets
HTTP 403 before any consumer runs.

Non-browser clients (mobile apps, integrations, tests) send no Origin; they are let through
here and must still present a valid token, which is what protects them. An Origin of `null`
(sandboxed frames, file: pages) has no host and is refused.
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
        # HELPDESK_WS_ALLOWED_ORIGINS takes host patterns like ALLOWED_HOSTS (".shop.example"
        # for every subdomain) or whole origins ("https://shop.example"), read for their host.
        extra = [urlparse(p).hostname or "" if "://" in p else p for p in settings.HELPDESK_WS_ALLOWED_ORIGINS]
        patterns = [*settings.ALLOWED_HOSTS, *(p for p in extra if p)]
        return any(pattern == "*" or is_same_domain(host, pattern) for pattern in patterns)
