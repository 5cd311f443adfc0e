"""Agent socket authentication: the Django session, or `?token=` (a DRF API token)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from ..security.tokens import agent_token_expired


@database_sync_to_async
def _user_for_token(key: str):
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active or agent_token_expired(token.created):
        return AnonymousUser()
    return token.user


class TokenAuthMiddleware:
    """Runs after the session middleware; a valid `?token=` sets the user, a bad one makes the
    socket anonymous (and so refused), even when a session cookie is present."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        key = (query.get("token") or [None])[-1]
        if key is not None and scope["path"].startswith("/ws/agent"):
            scope = dict(scope, user=await _user_for_token(key[:64]))
        return await self.inner(scope, receive, send)


def AgentAuthStack(inner: Any) -> Any:  # noqa: N802 - named like Channels' stacks
    return AuthMiddlewareStack(TokenAuthMiddleware(inner))
