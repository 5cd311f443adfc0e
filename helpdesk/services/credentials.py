"""Agent API tokens: issued by POST /api/v1/auth/token/, rotated once expired."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from ..security.tokens import agent_token_expired


def agent_token_for(user) -> Token:
    """The user's current token; a fresh one when theirs has expired (the old key stops
    working at once, on every socket and REST call that checks it next)."""
    with transaction.atomic():
        token, created = Token.objects.select_for_update().get_or_create(user=user)
        if not created and agent_token_expired(token.created):
            # The key is Token's primary key: delete and create, never update in place.
            token.delete()
            token = Token.objects.create(user=user)
    return token
