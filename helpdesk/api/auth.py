"""REST authentication: DRF's `Authorization: Token <key>`, refused once the key is too old."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from ..security.tokens import agent_token_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str):
        user, token = super().authenticate_credentials(key)
        if agent_token_expired(token.created):
            raise exceptions.AuthenticationFailed("Token expired; ask /api/v1/auth/token/ for a new one.")
        return user, token
