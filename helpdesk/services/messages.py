"""Messages: one service per sender (a customer's message, an agent's reply, a note, the bot's
answer, the desk's own words) over one private append that takes the `seq`, logs the event and
pushes after commit."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ..errors import ServiceError
from ..frames import message_payload
from ..infrastructure import events, realtime
from ..infrastructure.locks import lock_conversation
from ..infrastructure.prepared import Prepared
from ..models import Conversation, ConversationEvent, ConversationStatus, EventKind, Message, Sender
from ..models.conversations import OPEN_STATUSES

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Asked before every bot answer (a task run twice answers once): compiled once per process.
_BOT_ANSWER_TO = Prepared(
    lambda conversation_id, reply_to: Message.objects.filter(
        conversation_id=conversation_id, sender=Sender.BOT, data__in_reply_to=reply_to
    ).order_by("pk")[:1],
    conversation_id=uuid.UUID,
    reply_to=int,
)

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


def customer_message_post(
    *,
    conversation_id: uuid.UUID | str,
    body: str,
    client_msg_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> tuple[Message, bool]:
    """A message from the customer (the socket, a photo upload). Returns (message, created): a
    repeated `client_msg_id` returns the stored message and stores nothing. A resolved chat
    re-opens when its customer writes again within a day; then the bot reads it (an event)."""
    body, client_msg_id = clean_body(body), _checked_client_msg_id(client_msg_id)
    stored = _in_one_statement(conversation_id, Sender.CUSTOMER, body, client_msg_id, data)
    if stored is not None:
        return stored

    def write() -> tuple[Message, bool]:
        conversation = lock_conversation(conversation_id)
        if _may_reopen(conversation):
            _reopen(conversation)
        return _append(conversation, sender=Sender.CUSTOMER, body=body, client_msg_id=client_msg_id, data=data)

    return _stored_once(conversation_id, client_msg_id, write)


# The common case of the busiest writes, on PostgreSQL: an open conversation's customer writes,
# or the agent holding it replies. The row lock, the seq, the conversation's times, the message
# and its event in one statement and one round trip, committed by itself (the ORM path takes
# six: BEGIN, the lock's SELECT, the UPDATE, two INSERTs, COMMIT). The UPDATE's row lock
# serialises writers as the SELECT ... FOR UPDATE does, so seq stays gapless and ids follow
# commit order; the unique index refuses a repeated client_msg_id and the whole statement with
# it. Anything else (an ended, resolved or unknown conversation, an agent who does not hold it,
# SQLite, a caller's open transaction) matches no row or skips this, and takes the ORM path,
# which answers it.
def _one_statement(times: str, holds: str) -> str:
    return f"""
WITH conv AS (
    UPDATE {Conversation._meta.db_table}
    SET last_seq = last_seq + 1, updated_at = %(now)s, {times}
    WHERE id = %(conversation_id)s AND {holds}
    RETURNING id, last_seq, status
), msg AS (
    INSERT INTO {Message._meta.db_table}
        (conversation_id, seq, sender, author_id, author_name, body, options, client_msg_id, internal, data,
         created_at)
    SELECT id, last_seq, %(sender)s, %(author_id)s, %(author_name)s, %(body)s, '[]'::jsonb, %(client_msg_id)s, false,
        %(data)s::jsonb, %(now)s
    FROM conv
    RETURNING id, seq
), event AS (
    INSERT INTO {ConversationEvent._meta.db_table}
        (conversation_id, kind, actor_type, actor_id, old_value, new_value, data, created_at)
    SELECT conv.id, %(kind)s, %(sender)s, %(author_id)s, '', '',
        jsonb_build_object('message_id', msg.id, 'seq', msg.seq), %(now)s
    FROM conv, msg
)
SELECT msg.id, msg.seq, conv.status FROM msg, conv
"""


_ONE_STATEMENT = {
    Sender.CUSTOMER: _one_statement(
        times="last_customer_message_at = %(now)s, "
        "first_customer_message_at = COALESCE(first_customer_message_at, %(now)s)",
        holds="status = ANY(%(open)s)",
    ),
    Sender.AGENT: _one_statement(
        times="first_agent_message_at = COALESCE(first_agent_message_at, %(now)s)",
        holds="status = %(assigned)s AND agent_id = %(author_id)s",
    ),
}


def _in_one_statement(
    conversation_id: uuid.UUID | str,
    sender: str,
    body: str,
    client_msg_id: str | None,
    data: dict[str, Any] | None = None,
    author: AbstractBaseUser | None = None,
    author_name: str = "",
) -> tuple[Message, bool] | None:
    """A customer's message or the holder's reply written as one statement (above), pushed and
    (a customer's) published as `_append` does: (message, created), or None where the ORM path
    must answer."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    try:
        conversation_id = uuid.UUID(str(conversation_id))
    except ValueError:
        return None
    now = timezone.now()
    params = {
        "now": now,
        "conversation_id": conversation_id,
        "open": [str(status) for status in OPEN_STATUSES],  # plain strings: psycopg sends an Enum's name
        "assigned": str(ConversationStatus.ASSIGNED),
        "sender": str(sender),
        "author_id": author.pk if author is not None else None,
        "author_name": author_name,
        "body": body,
        "client_msg_id": client_msg_id,
        "data": json.dumps(data or {}),
        "kind": str(_EVENT_FOR_SENDER[sender]),
    }
    try:
        with connection.cursor() as cursor:
            cursor.execute(_ONE_STATEMENT[sender], params)
            row = cursor.fetchone()
    except IntegrityError as refused:
        return _the_repeat(conversation_id, client_msg_id, refused), False
    if row is None:
        return None
    message_id, seq, status = row
    message = Message(
        id=message_id,
        conversation_id=conversation_id,
        seq=seq,
        sender=sender,
        author=author,
        author_name=author_name,
        body=body,
        options=[],
        client_msg_id=client_msg_id,
        internal=False,
        data=data or {},
        created_at=now,
    )
    message._state.adding = False
    # Committed already: these run now, in the order the ORM path's run on commit.
    realtime.after_commit(realtime.message_to_all, conversation_id, message_payload(message))
    if sender == Sender.CUSTOMER:
        _publish_customer_posted(message, conversation_id, status)
    return message, True


def agent_reply_post(
    *,
    conversation_id: uuid.UUID | str,
    author: AbstractBaseUser,
    author_name: str,
    body: str,
    client_msg_id: str | None = None,
) -> tuple[Message, bool]:
    """An agent's reply to the customer: only the agent holding the conversation may send one."""
    return _staff_post(conversation_id, author, author_name, body, client_msg_id, internal=False)


def note_post(
    *,
    conversation_id: uuid.UUID | str,
    author: AbstractBaseUser,
    author_name: str,
    body: str,
    client_msg_id: str | None = None,
) -> tuple[Message, bool]:
    """An internal note: outside the customer's `seq`, pushed to staff only, allowed on an
    ended conversation (a note for the record)."""
    return _staff_post(conversation_id, author, author_name, body, client_msg_id, internal=True)


def _staff_post(
    conversation_id: uuid.UUID | str,
    author: AbstractBaseUser,
    author_name: str,
    body: str,
    client_msg_id: str | None,
    *,
    internal: bool,
) -> tuple[Message, bool]:
    body, client_msg_id = clean_body(body), _checked_client_msg_id(client_msg_id)
    if not internal:
        stored = _in_one_statement(
            conversation_id, Sender.AGENT, body, client_msg_id, author=author, author_name=author_name
        )
        if stored is not None:
            return stored

    def write() -> tuple[Message, bool]:
        conversation = lock_conversation(conversation_id)
        if not internal:
            if conversation.agent_id != author.pk:
                raise ServiceError("not_holder", "Accept the conversation before replying to the customer.")
            if conversation.status != ConversationStatus.ASSIGNED:
                raise ServiceError("invalid_state", "Only a conversation you hold can be answered.")
        return _append(
            conversation,
            sender=Sender.AGENT,
            body=body,
            author=author,
            author_name=author_name,
            client_msg_id=client_msg_id,
            internal=internal,
        )

    return _stored_once(conversation_id, client_msg_id, write)


def _stored_once(
    conversation_id: uuid.UUID | str, client_msg_id: str | None, write: Callable[[], tuple[Message, bool]]
) -> tuple[Message, bool]:
    """`write` in a transaction of its own. A repeated client_msg_id (a client's retry) is
    refused by the unique index on (conversation, client_msg_id): the transaction rolls back
    (its seq, a re-opening) and the stored message is returned, not created. Asking before
    every insert instead cost a query per message for what is rare."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as refused:
        return _the_repeat(conversation_id, client_msg_id, refused), False


def bot_say(
    *,
    conversation_id: uuid.UUID | str,
    body: str,
    options: list[dict[str, str]] | None = None,
    data: dict[str, Any] | None = None,
    locked: Conversation | None = None,
    with_fields: Iterable[str] = (),
) -> Message:
    """The automated assistant's answer. `data["in_reply_to"]`: the customer message it answers;
    a second answer to the same message is not stored (a bot task may run twice at once,
    docs/faults.md). `locked`: the conversation, when the caller already holds its lock in an
    open transaction (the bot's turn stores its reading, its state and its answer in one);
    `with_fields`: fields of `locked` the caller changed, saved in the answer's own UPDATE."""
    if locked is not None and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("bot_say(locked=...) needs the caller's open transaction")
    if with_fields and locked is None:
        raise ValueError("with_fields needs locked")
    body = clean_body(body)
    with nullcontext() if locked is not None else transaction.atomic():
        conversation = locked if locked is not None else lock_conversation(conversation_id)
        reply_to = (data or {}).get("in_reply_to")
        if reply_to is not None:
            existing = _BOT_ANSWER_TO.first(conversation_id=conversation.pk, reply_to=reply_to)
            if existing is not None:
                _save_if_any(conversation, list(with_fields))
                return existing
        message, _ = _append(
            conversation, sender=Sender.BOT, body=body, options=options, data=data, with_fields=with_fields
        )
        return message


def system_say(*, conversation_id: uuid.UUID | str, body: str, options: list[dict[str, str]] | None = None) -> Message:
    """The desk's own words (who joined, where the customer waits), also on an ended chat."""
    body = clean_body(body)
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        message, _ = _append(conversation, sender=Sender.SYSTEM, body=body, options=options, allow_closed=True)
        return message


def _append(
    conversation: Conversation,
    *,
    sender: str,
    body: str,
    author: AbstractBaseUser | None = None,
    author_name: str = "",
    client_msg_id: str | None = None,
    options: list[dict[str, str]] | None = None,
    internal: bool = False,
    data: dict[str, Any] | None = None,
    allow_closed: bool = False,
    with_fields: Iterable[str] = (),
) -> tuple[Message, bool]:
    """Store a message, log its event, push it after commit. Inside the caller's transaction,
    holding `conversation`'s row lock: concurrent writers queue on the lock, so `seq` has no
    gaps and no duplicates. `body` is already clean (the public services check their input
    before they lock anything). Returns (message, created).

    A caller with a `client_msg_id` writes through `_stored_once`, which answers a repeat the
    unique index refuses. Only an ended conversation is asked first: it refuses new messages
    before any insert, and a repeat there is answered with the stored one."""
    with_fields = list(with_fields)
    if client_msg_id is not None and not conversation.is_open:
        existing = _repeat_of(conversation.pk, client_msg_id)
        if existing is not None:
            _save_if_any(conversation, with_fields)
            return existing, False
    if not allow_closed and not conversation.is_open and not internal:
        raise ServiceError("conversation_closed", "This conversation has ended; start a new one to keep talking.")
    now = timezone.now()
    fields = ["updated_at", *with_fields]  # save() takes repeats
    seq = None
    if not internal:
        conversation.last_seq += 1
        seq = conversation.last_seq
        fields.append("last_seq")
    fields += _first_and_last_times(conversation, sender, internal, now)
    message = Message(
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
    kind = EventKind.NOTE if internal else _EVENT_FOR_SENDER[sender]
    if connection.vendor == "postgresql":
        _append_in_one_statement(conversation, fields, message, kind, now)
    else:
        conversation.save(update_fields=fields)
        message.save(force_insert=True)
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=kind,
            actor_type=sender,
            actor=author,
            data={"message_id": message.pk, "seq": seq},
        )
    realtime.after_commit(realtime.message_to_all, conversation.pk, message_payload(message))
    if sender == Sender.CUSTOMER:
        # After the push, never before: the bot's answer (a later seq, from a worker) must not
        # reach a socket ahead of the message it answers.
        _publish_customer_posted(message, conversation.pk, conversation.status)
    return message, True


# `_append` on PostgreSQL, under the caller's row lock: the conversation's changed fields, the
# message and its event in one statement (the ORM takes three round trips and compiles three).
_APPEND = """
WITH conv AS (
    UPDATE {conversations} SET {assignments} WHERE id = %(conversation_id)s RETURNING id
), msg AS (
    INSERT INTO {messages}
        (conversation_id, seq, sender, author_id, author_name, body, options, client_msg_id, internal, data,
         created_at)
    SELECT id, %(seq)s, %(sender)s, %(author_id)s, %(author_name)s, %(body)s, %(options)s, %(client_msg_id)s,
        %(internal)s, %(data)s, %(now)s
    FROM conv
    RETURNING id
), event AS (
    INSERT INTO {events} (conversation_id, kind, actor_type, actor_id, old_value, new_value, data, created_at)
    SELECT conv.id, %(kind)s, %(sender)s, %(author_id)s, '', '',
        jsonb_build_object('message_id', msg.id, 'seq', %(seq)s::integer), %(now)s
    FROM conv, msg
)
SELECT id FROM msg
"""


def _append_in_one_statement(conversation: Conversation, fields: list[str], message: Message, kind: str, now) -> None:
    """Writes what `_append`'s ORM path writes, with the same values (each field's own
    conversion), and gives `message` its id as `create` would."""
    params: dict[str, Any] = {"conversation_id": conversation.pk, "now": now}
    assignments = []
    conversation.updated_at = now  # the one time of the write (save() would take another)
    for i, name in enumerate(dict.fromkeys(fields)):
        field = Conversation._meta.get_field(name)
        params[f"f{i}"] = field.get_db_prep_save(getattr(conversation, field.attname), connection)
        assignments.append(f"{connection.ops.quote_name(field.column)} = %(f{i})s")
    message.created_at = now
    for name in ("seq", "sender", "author_name", "body", "options", "client_msg_id", "internal", "data"):
        field = Message._meta.get_field(name)
        params[name] = field.get_db_prep_save(getattr(message, field.attname), connection)
    params["author_id"] = message.author_id
    params["kind"] = str(kind)
    params["sender"] = str(message.sender)
    sql = _APPEND.format(
        conversations=Conversation._meta.db_table,
        messages=Message._meta.db_table,
        events=ConversationEvent._meta.db_table,
        assignments=", ".join(assignments),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (message.id,) = cursor.fetchone()
    message._state.adding = False
    message._state.db = connection.alias


def _the_repeat(conversation_id: uuid.UUID | str, client_msg_id: str | None, refused: IntegrityError) -> Message:
    """The stored message a refused insert repeated (the unique index on client_msg_id); any
    other integrity error is raised again."""
    existing = _repeat_of(conversation_id, client_msg_id)
    if existing is None:
        raise refused
    return existing


def _repeat_of(conversation_id: uuid.UUID | str, client_msg_id: str | None) -> Message | None:
    if client_msg_id is None:
        return None
    return Message.objects.filter(conversation_id=conversation_id, client_msg_id=client_msg_id).first()


def _checked_client_msg_id(client_msg_id: Any) -> str | None:
    if client_msg_id is not None and not (isinstance(client_msg_id, str) and 0 < len(client_msg_id) <= 100):
        raise ServiceError("bad_frame", "client_msg_id must be a string of 1 to 100 characters.")
    return client_msg_id


def _first_and_last_times(conversation: Conversation, sender: str, internal: bool, now) -> list[str]:
    """The times analytics reads (metrics.md): first customer message, last customer message,
    first bot reply, first agent message. Returns the fields it set."""
    fields = []
    if sender == Sender.CUSTOMER:
        if conversation.first_customer_message_at is None:
            conversation.first_customer_message_at = now
            fields.append("first_customer_message_at")
        conversation.last_customer_message_at = now
        fields.append("last_customer_message_at")
    if sender == Sender.BOT and conversation.first_customer_message_at is not None:
        if conversation.first_bot_reply_at is None:
            conversation.first_bot_reply_at = now
            fields.append("first_bot_reply_at")
    if sender == Sender.AGENT and not internal and conversation.first_agent_message_at is None:
        conversation.first_agent_message_at = now
        fields.append("first_agent_message_at")
    return fields


def _publish_customer_posted(message: Message, conversation_id: uuid.UUID, status: str) -> None:
    events.publish(
        "message.customer_posted", message_id=message.pk, conversation_id=str(conversation_id), status=status
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


def assert_status(conversation, *statuses: str) -> None:
    if conversation.status not in statuses:
        raise ServiceError(
            "invalid_state", f"The conversation is {conversation.status}; this needs {' or '.join(statuses)}."
        )


__all__ = [
    "ConversationStatus",
    "agent_reply_post",
    "assert_status",
    "bot_say",
    "clean_body",
    "customer_message_post",
    "note_post",
    "system_say",
]
