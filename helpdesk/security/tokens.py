"""Credentials: the customer's conversation token and the agents' API tokens.

A customer token is `<conversation id hex>.<random nonce>.<timestamp>.<signature>`: signed
with SECRET_KEY (Django's TimestampSigner, its own salt), so it names one conversation, cannot
be altered, and expires after HELPDESK_CUSTOMER_TOKEN_MAX_AGE_SECONDS. Its sha256 is also kept
on the conversation, so even someone holding SECRET_KEY cannot mint a token for a conversation
(the random nonce is in the hash), and the database alone (a leaked backup) cannot be turned
into tokens either: both halves are needed.

An agent API token is Django REST framework's random 40-hex key, looked up in the database,
and refused once older than HELPDESK_AGENT_TOKEN_MAX_AGE_SECONDS; asking for a token again
after that issues a fresh one.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

# A separate salt: a value signed for any other purpose can never pass as a customer token.
_CUSTOMER_SALT = "helpdesk.customer-token.v1"
_SEP = "."  # URL-safe, and never part of the signer's base64 alphabet


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_CUSTOMER_SALT, sep=_SEP)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def customer_token_issue(conversation_id: uuid.UUID) -> str:
    """A fresh token for this conversation (shown to the customer once; only its hash is
    stored)."""
    return _signer().sign(f"{conversation_id.hex}{_SEP}{secrets.token_urlsafe(16)}")


def customer_token_conversation(token: str) -> uuid.UUID | None:
    """The conversation a well-signed, unexpired token names, or None. Says nothing about
    whether the token is the one stored for it: the caller compares the hash."""
    try:
        value = _signer().unsign(token, max_age=settings.HELPDESK_CUSTOMER_TOKEN_MAX_AGE_SECONDS)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    conversation_hex, _, _nonce = value.partition(_SEP)
    try:
        return uuid.UUID(hex=conversation_hex)
    except ValueError:
        return None


def agent_token_expired(created) -> bool:
    return created < timezone.now() - timedelta(seconds=settings.HELPDESK_AGENT_TOKEN_MAX_AGE_SECONDS)
