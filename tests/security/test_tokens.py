"""Credentials cannot be stretched, altered, forged or kept past their time.

Customer tokens (helpdesk.security.tokens): signed, naming one conversation, expiring, and matched
against the hash stored on that conversation. Agent tokens: DRF keys, expiring, rotated."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from helpdesk.models import Attachment, Conversation, Message
from helpdesk.security.tokens import customer_token_conversation, hash_token
from helpdesk.services.conversations import conversation_start
from tests.support.security import PNG, agent_token, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


def _state(client, conversation_id, token: str, how: str = "query"):
    url = f"/api/v1/conversations/{conversation_id}/state/"
    if how == "query":
        return client.get(url, {"token": token})
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")


async def _socket_opens(conversation_id, token: str) -> bool:
    communicator, connected, _ = await open_socket(f"/ws/conversations/{conversation_id}/?token={token}")
    if connected:
        await communicator.disconnect()
    return connected


def _issued_long_ago(monkeypatch, seconds_ago: int) -> tuple[Conversation, str]:
    """A conversation whose token was signed `seconds_ago` (the signer's clock, not ours)."""
    issued = int(time.time()) - seconds_ago
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(issued))
    try:
        return conversation_start(name="Old Timer")
    finally:
        monkeypatch.undo()


# --- customer tokens ----------------------------------------------------------------------


def test_a_customer_token_is_signed_names_its_conversation_and_is_stored_only_as_a_hash(queues, started) -> None:
    conversation, token = started
    assert customer_token_conversation(token) == conversation.pk
    assert conversation.token_hash == hash_token(token)
    assert token not in str(Conversation.objects.filter(pk=conversation.pk).values().get())
    assert len(token) <= 200 and token.isascii() and " " not in token


async def test_a_token_for_conversation_a_opens_neither_bs_socket_nor_bs_api(client, queues) -> None:
    a, token_a = await database_sync_to_async(conversation_start)(name="Ann")
    b, token_b = await database_sync_to_async(conversation_start)(name="Bob")
    assert await _socket_opens(a.pk, token_a) and await _socket_opens(b.pk, token_b)
    assert not await _socket_opens(b.pk, token_a)
    assert not await _socket_opens(a.pk, token_b)

    def api_checks() -> None:
        for how in ("query", "bearer"):
            refused = _state(client, b.pk, token_a, how)
            assert refused.status_code == 404
            assert refused.json() == {"code": "not_found", "detail": "No conversation for this id and token."}
            assert "Bob" not in refused.content.decode()
            assert _state(client, a.pk, token_a, how).status_code == 200
        upload = client.post(
            f"/api/v1/conversations/{b.pk}/attachments/?token={token_a}",
            {"file": SimpleUploadedFile("a.png", PNG)},
        )
        assert upload.status_code == 404
        assert not Attachment.objects.exists()
        assert not Message.objects.filter(conversation=b, sender="customer").exists()

    await database_sync_to_async(api_checks)()


def test_a_token_opens_nothing_of_b_even_its_attachments(client, queues, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    a, token_a = conversation_start(name="Ann")
    b, token_b = conversation_start(name="Bob")
    uploaded = client.post(
        f"/api/v1/conversations/{b.pk}/attachments/?token={token_b}", {"file": SimpleUploadedFile("b.png", PNG)}
    )
    assert uploaded.status_code == 201
    attachment_id = uploaded.json()["id"]
    assert client.get(f"/api/v1/attachments/{attachment_id}/", {"token": token_b}).status_code == 200
    for token in (token_a, "", "forged"):
        answer = client.get(f"/api/v1/attachments/{attachment_id}/", {"token": token})
        assert answer.status_code == 404
        assert answer.json() == {"code": "not_found", "detail": "No such attachment."}


def _tampered(token: str, other_id: uuid.UUID) -> dict[str, str]:
    value_hex, nonce, stamp, signature = token.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return {
        "signature flipped": f"{value_hex}.{nonce}.{stamp}.{flipped}",
        "signature dropped": f"{value_hex}.{nonce}.{stamp}",
        "conversation swapped": f"{other_id.hex}.{nonce}.{stamp}.{signature}",
        "nonce changed": f"{value_hex}.{nonce[::-1]}.{stamp}.{signature}",
        "timestamp moved": f"{value_hex}.{nonce}.{signing.b62_encode(signing.b62_decode(stamp) + 3600)}.{signature}",
        "extra text": token + "x",
        "upper-cased": token.upper(),
        # Signed with someone else's key: a perfect format, the wrong secret.
        "wrong key": signing.TimestampSigner(key="not-our-secret-key", salt="helpdesk.customer-token.v1", sep=".").sign(
            f"{value_hex}.{nonce}"
        ),
        # Our key and salt, the right conversation, but not the token that was issued: what
        # someone holding SECRET_KEY alone could make. The stored hash refuses it.
        "minted with our key": signing.TimestampSigner(salt="helpdesk.customer-token.v1", sep=".").sign(
            f"{value_hex}.{'n' * 22}"
        ),
        # The right signature under another salt (another signed value of this app).
        "other salt": signing.TimestampSigner(salt="django.core.signing", sep=".").sign(f"{value_hex}.{nonce}"),
    }


async def test_a_tampered_or_forged_token_is_refused_on_socket_and_api(client, queues, started) -> None:
    conversation, token = started
    other, _ = await database_sync_to_async(conversation_start)(name="Other")
    assert await _socket_opens(conversation.pk, token)
    for kind, bad in _tampered(token, other.pk).items():
        assert bad != token
        assert not await _socket_opens(conversation.pk, bad), kind
        answer = await database_sync_to_async(_state)(client, conversation.pk, bad)
        assert answer.status_code == 404, kind
    # The "conversation swapped" token does not open the other conversation either.
    swapped = _tampered(token, other.pk)["conversation swapped"]
    assert not await _socket_opens(other.pk, swapped)


async def test_an_expired_token_is_refused_and_a_fresh_one_is_not(client, queues, settings, monkeypatch) -> None:
    max_age = settings.HELPDESK_CUSTOMER_TOKEN_MAX_AGE_SECONDS
    old, old_token = await database_sync_to_async(_issued_long_ago)(monkeypatch, max_age + 60)
    recent, recent_token = await database_sync_to_async(_issued_long_ago)(monkeypatch, max_age - 60)
    assert old.token_hash == hash_token(old_token)  # the stored hash matches: only age refuses it
    assert not await _socket_opens(old.pk, old_token)
    assert (await database_sync_to_async(_state)(client, old.pk, old_token)).status_code == 404
    assert await _socket_opens(recent.pk, recent_token)
    assert (await database_sync_to_async(_state)(client, recent.pk, recent_token)).status_code == 200
    # The lifetime is a setting: shortened, the recent token has expired too.
    settings.HELPDESK_CUSTOMER_TOKEN_MAX_AGE_SECONDS = 30
    assert not await _socket_opens(recent.pk, recent_token)


# --- agent tokens ---------------------------------------------------------------------------


def _forged_agent_keys(real: str, customer_token: str) -> dict[str, str]:
    return {
        "last char changed": real[:-1] + ("0" if real[-1] != "0" else "1"),
        "random": uuid.uuid4().hex + "abcdefgh",
        "customer token": customer_token,
        "prefix": real[:20],
        "sql": "' OR '1'='1",
        "long": real * 10,
    }


def test_agent_tokens_cannot_be_forged(client, queues, agent, started) -> None:
    _, customer_token = started
    real = client.post(
        "/api/v1/auth/token/", {"username": "grace", "password": "demo-pass-123"}, content_type="application/json"
    ).json()["token"]
    assert client.get("/api/v1/inbox/", HTTP_AUTHORIZATION=f"Token {real}").status_code == 200
    for kind, key in _forged_agent_keys(real, customer_token).items():
        answer = client.get("/api/v1/inbox/", HTTP_AUTHORIZATION=f"Token {key}")
        assert answer.status_code == 401, kind
        assert "queued" not in answer.json()


async def test_forged_agent_tokens_open_no_agent_socket(queues, agent, started) -> None:
    _, customer_token = started
    real = await database_sync_to_async(agent_token)(agent)
    communicator, connected, _ = await open_socket(f"/ws/agent/?token={real}")
    assert connected
    await communicator.disconnect()
    for kind, key in _forged_agent_keys(real, customer_token).items():
        _, connected, code = await open_socket(f"/ws/agent/?token={key}")
        assert not connected, kind


async def test_an_expired_agent_token_is_refused_and_a_new_one_issued(client, queues, agent, settings) -> None:
    from rest_framework.authtoken.models import Token

    def expire(key: str) -> None:
        past = timezone.now() - timedelta(seconds=settings.HELPDESK_AGENT_TOKEN_MAX_AGE_SECONDS + 60)
        Token.objects.filter(key=key).update(created=past)

    def obtain() -> str:
        answer = client.post(
            "/api/v1/auth/token/", {"username": "grace", "password": "demo-pass-123"}, content_type="application/json"
        )
        assert answer.status_code == 200
        return answer.json()["token"]

    old = await database_sync_to_async(obtain)()
    assert await database_sync_to_async(obtain)() == old  # still valid: the same key
    await database_sync_to_async(expire)(old)
    refused = await database_sync_to_async(client.get)("/api/v1/inbox/", HTTP_AUTHORIZATION=f"Token {old}")
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]
    _, connected, _ = await open_socket(f"/ws/agent/?token={old}")
    assert not connected

    new = await database_sync_to_async(obtain)()
    assert new != old
    ok = await database_sync_to_async(client.get)("/api/v1/inbox/", HTTP_AUTHORIZATION=f"Token {new}")
    assert ok.status_code == 200
    communicator, connected, _ = await open_socket(f"/ws/agent/?token={new}")
    assert connected
    await communicator.disconnect()


async def test_a_deactivated_agents_token_stops_working(client, queues, agent) -> None:
    key = await database_sync_to_async(agent_token)(agent)

    def deactivate() -> None:
        agent.user.is_active = False
        agent.user.save(update_fields=["is_active"])

    await database_sync_to_async(deactivate)()
    answer = await database_sync_to_async(client.get)("/api/v1/inbox/", HTTP_AUTHORIZATION=f"Token {key}")
    assert answer.status_code == 401
    _, connected, _ = await open_socket(f"/ws/agent/?token={key}")
    assert not connected
