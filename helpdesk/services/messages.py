from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .. import events, realtime
from ..errors import ServiceError
from ..frames import message_payload
from ..locks import lock_conversation
from ..models import Conversation, ConversationEvent, ConversationStatus, EventKind, Message, Sender

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_EVENT_FOR_SENDER = {
    Sender.CUSTOMER: EventKind.CUSTOMER_MESSAGE,
    Sender.BOT: EventKind.BOT_MESSAGE,
    Sender.AGENT: EventKind.AGENT_MESSAGE,
    Sender.SYSTEM: EventKind.SYSTEM_MESSAGE,
}


def clean_body(body: Any) -> str:
    """A message body as stored: text, control characters removed, trimmed, bounded.

    Markup is kept as typed; it is text and every page shows it as text.
    """
    if not isinstance(body, str):
        raise ServiceError("bad_frame", "The message body must be a string.")
    body = _CONTROL.sub("", body).strip()
    if not body:
        raise ServiceError("empty_body", "The message is empty.")
    if len(body) > settings.HELPDESK_MAX_BODY_CHARS:
        raise ServiceError("too_long", f"A message may hold at most {settings.HELPDESK_MAX_BODY_CHARS} characters.")
    return body


def message_post(
    *,
    conversation_id: uuid.UUID | str,
    sender: str,
    body: str,
    author: AbstractBaseUser | None = None,
    author_name: str = "",
    client_msg_id: str | None = None,
    options: list[dict[str, str]] | None = None,
    internal: bool = False,
    data: dict[str, Any] | None = None,
    allow_closed: bool = False,
    locked: Conversation | None = None,
    with_fields: Iterable[str] = (),
) -> tuple[Message, bool]:
    """Store a message, then (after commit) push it. Returns (message, created).

    A repeated `client_msg_id` returns the stored message with created=False and stores
    nothing. `seq` is taken under the conversation's row lock: concurrent writers queue on the
    lock, so the sequence has no gaps and no duplicates. `locked`: the conversation, when the
    caller already holds its lock in an open transaction (the bot's turn stores its reading,
    its flow's state and its answer in one); `with_fields`: fields of `locked` the caller
    changed, saved in the same UPDATE as the message's own.
    """
    body = clean_body(body)
    if client_msg_id is not None:
        if not isinstance(client_msg_id, str) or not 0 < len(client_msg_id) <= 100:
            raise ServiceError("bad_frame", "client_msg_id must be a string of 1 to 100 characters.")
    if locked is not None and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("message_post(locked=...) needs the caller's open transaction")
    if with_fields and locked is None:
        raise ValueError("with_fields needs locked")
    with_fields = list(with_fields)
    with nullcontext() if locked is not None else transaction.atomic():
        conversation = locked if locked is not None else lock_conversation(conversation_id)
        if client_msg_id is not None:
            existing = Message.objects.filter(conversation=conversation, client_msg_id=client_msg_id).first()
            if existing is not None:
                _save_if_any(conversation, with_fields)
                return existing, False
        reply_to = (data or {}).get("in_reply_to") if sender == Sender.BOT else None
        if reply_to is not None:
            # A bot turn may run twice at once (a task handed out again while its first run
            # still works, docs/faults.md): checked under the row lock, the second answer to
            # the same customer message is not stored.
            existing = Message.objects.filter(
                conversation=conversation, sender=Sender.BOT, data__in_reply_to=reply_to
            ).first()
            if existing is not None:
                _save_if_any(conversation, with_fields)
                return existing, False
        if sender == Sender.CUSTOMER and not internal and _may_reopen(conversation):
            _reopen(conversation)
        if not allow_closed and not conversation.is_open and not internal:
            raise ServiceError("conversation_closed", "This conversation has ended; start a new one to keep talking.")
        now = timezone.now()
        fields = ["updated_at", *with_fields]  # save() takes repeats
        seq = None
        if not internal:
            conversation.last_seq += 1
            seq = conversation.last_seq
            fields.append("last_seq")
        if sender == Sender.CUSTOMER:
            if conversation.first_customer_message_at is None:
                conversation.first_customer_message_at = now
                fields.append("first_customer_message_at")
            conversation.last_customer_message_at = now
            fields.append("last_customer_message_at")
        if (
            sender == Sender.BOT
            and conversation.first_customer_message_at is not None
            and conversation.first_bot_reply_at is None
        ):
            conversation.first_bot_reply_at = now
            fields.append("first_bot_reply_at")
        if sender == Sender.AGENT and not internal and conversation.first_agent_message_at is None:
            conversation.first_agent_message_at = now
            fields.append("first_agent_message_at")
        conversation.save(update_fields=fields)
        message = Message.objects.create(
            conversation=conversation,
            seq=seq,
            sender=sender,
            author=author,
            author_name=author_name or _default_author_name(sender),
            body=body,
            options=options or [],
            client_msg_id=client_msg_id,
            internal=internal,
            data=data or {},
        )
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.NOTE if internal else _EVENT_FOR_SENDER[sender],
            actor_type=sender,
            actor=author,
            data={"message_id": message.pk, "seq": seq},
        )
        realtime.after_commit(realtime.message_to_all, conversation.pk, message_payload(message))
        if sender == Sender.CUSTOMER:
            # After the push, never before: the bot's answer (a later seq, from a worker) must not
            # reach a socket ahead of the message it answers.
            _publish_customer_posted(message, conversation)
        return message, True


def _publish_customer_posted(message: Message, conversation: Conversation) -> None:
    events.publish(
        "message.customer_posted",
        message_id=message.pk,
        conversation_id=str(conversation.pk),
        status=conversation.status,
    )


def _save_if_any(conversation: Conversation, fields: list[str]) -> None:
    if fields:
        conversation.save(update_fields=fields)


REOPEN_WINDOW = timedelta(days=1)


def _may_reopen(conversation) -> bool:
    """A resolved conversation re-opens when its customer writes again within a day."""
    return (
        conversation.status == ConversationStatus.RESOLVED
        and conversation.resolved_at is not None
        and timezone.now() - conversation.resolved_at < REOPEN_WINDOW
    )


def _reopen(conversation) -> None:
    """Inside the locked transaction: back to the bot, which can hand over again."""
    from .lifecycle import set_status

    ConversationEvent.objects.create(
        conversation=conversation,
        kind=EventKind.REOPENED,
        actor_type="customer",
        old_value=conversation.status,
        new_value=ConversationStatus.BOT,
    )
    set_status(conversation, ConversationStatus.BOT, actor_type="customer")
    conversation.bot_failures = 0
    conversation.save(update_fields=["bot_failures"])
    # Before the message's own event: the bot forgets its state of the old chat before it
    # reads the new message (subscribers run in the order events were published).
    events.publish("conversation.reopened", conversation_id=str(conversation.pk))


def _default_author_name(sender: str) -> str:
    if sender == Sender.BOT:
        return settings.HELPDESK_BOT_NAME
    if sender == Sender.SYSTEM:
        return "Support desk"
    return ""


def bot_say(
    *,
    conversation_id: uuid.UUID | str,
    body: str,
    options: list[dict[str, str]] | None = None,
    data: dict[str, Any] | None = None,
    locked: Conversation | None = None,
    with_fields: Iterable[str] = (),
) -> Message:
    """A message from the automated assistant (`locked`, `with_fields`: see message_post)."""
    message, _ = message_post(
        conversation_id=conversation_id,
        sender=Sender.BOT,
        body=body,
        options=options,
        data=data,
        locked=locked,
        with_fields=with_fields,
    )
    return message


def system_say(*, conversation_id: uuid.UUID | str, body: str, options: list[dict[str, str]] | None = None) -> Message:
    message, _ = message_post(
        conversation_id=conversation_id, sender=Sender.SYSTEM, body=body, options=options, allow_closed=True
    )
    return message


def assert_status(conversation, *statuses: str) -> None:
    if conversation.status not in statuses:
        raise ServiceError(
            "invalid_state", f"The conversation is {conversation.status}; this needs {' or '.join(statuses)}."
        )


__all__ = ["ConversationStatus", "assert_status", "bot_say", "clean_body", "message_post", "system_say"]
