"""A customer's data requests, made by a supervisor: export what the desk holds, or erase it.

Erasure anonymises rather than deletes: the conversation, message, ticket and CSAT rows stay
with their timestamps, statuses, intents and scores, so every analytics figure for past periods
stays the same. What goes is what identifies the person or is in their own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q

from ..errors import PermissionDenied, ServiceError
from ..infrastructure import events
from ..infrastructure.locks import lock_conversation
from ..models import (
    Attachment,
    AuditAction,
    Conversation,
    CsatResponse,
    Customer,
    KnowledgeGap,
    Message,
    Order,
    OutboundEmail,
    OutboxStatus,
    Sender,
    Ticket,
    TicketEvent,
)
from ..models.conversations import OPEN_STATUSES
from ..security.redaction import redact
from ..selectors.data_requests import NON_PERSONAL_COLLECTED, customer_personal_data, is_supervisor
from .audit import audit_record, object_type_of

ERASED = "[erased]"
ERASED_NAME = "Erased customer"
ERASED_ADDRESS = "erased@invalid.invalid"  # a reserved domain: it can never be delivered
NAME_MARK = "[name]"
ID_MARK = "[id]"
# Bound the IN (...) lists: SQLite caps the parameters of one statement.
CHUNK = 500


@dataclass
class Erasure:
    """What one erasure changed, as counts (the audit entry's note; never the data itself)."""

    conversations: int = 0
    messages_replaced: int = 0
    messages_scrubbed: int = 0
    attachments_deleted: int = 0
    tickets_scrubbed: int = 0
    emails_scrubbed: int = 0
    csat_comments_cleared: int = 0
    knowledge_gaps_cleared: int = 0
    orders_unlinked: int = 0
    admin_log_entries_scrubbed: int = 0
    removed_by_other_apps: int = 0  # the "customer.erasing" subscribers: the bot's training examples

    def describe(self) -> str:
        return ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in asdict(self).items() if value)


def _require_supervisor(actor: AbstractBaseUser) -> None:
    if not is_supervisor(actor):
        raise PermissionDenied("Only a supervisor may export or erase a customer's personal data.")


def _label(customer: Customer) -> str:
    # The audit entry must not keep what the erasure removes: the customer by number only.
    return f"Customer #{customer.pk}"


def customer_export(*, customer: Customer, actor: AbstractBaseUser, ip: str | None = None) -> dict[str, Any]:
    """Everything the desk holds on `customer` (selectors.privacy.customer_personal_data), for
    a supervisor answering the customer's access request; the export is audited."""
    _require_supervisor(actor)
    with transaction.atomic():
        data = customer_personal_data(customer)
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            object_type=object_type_of(Customer),
            object_id=customer.pk,
            object_repr=_label(customer),
            note=f"{len(data['conversations'])} conversation(s), {len(data['tickets'])} ticket(s)",
            ip=ip,
        )
    return data


def _identifiers(customer: Customer) -> re.Pattern[str] | None:
    """The customer's own name parts and external id, to find them in other people's text
    (an agent's "Hi Dana", a ticket subject). Emails, cards and phones are left to redact()."""
    words = {part for part in re.split(r"\s+", customer.name or "") if len(part) >= 2}
    if customer.external_id:
        words.add(customer.external_id)
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _scrub_outbox(addresses: set[str], names: re.Pattern[str] | None, customer: Customer) -> int:
    """The emails written to them keep their kind, status and times (the outbox's own record)
    but lose the address and the text; one not sent yet never will be."""
    if not addresses:
        return 0
    match = Q()
    for address in addresses:
        match |= Q(to__iexact=address)
    scrubbed = 0
    for email in OutboundEmail.objects.filter(match):
        email.to = ERASED_ADDRESS
        email.subject = _scrub(email.subject, names, customer)[:200]
        email.body = ERASED
        fields = ["to", "subject", "body"]
        if email.status == OutboxStatus.PENDING:
            email.status, email.last_error = OutboxStatus.FAILED, "Not sent: the customer's data was erased."
            fields += ["status", "last_error"]
        email.save(update_fields=fields)
        scrubbed += 1
    return scrubbed


def _scrub(text: str, names: re.Pattern[str] | None, customer: Customer) -> str:
    if names is not None:
        external_id = (customer.external_id or "").casefold()
        text = names.sub(lambda m: ID_MARK if m.group(0).casefold() == external_id else NAME_MARK, text)
    return redact(text)


def _page_without_query(url: str) -> str:
    # Query strings and fragments carry emails, tokens and campaign ids; the path stays for
    # routing rules that match on the page.
    if not url:
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def customer_erase(*, customer: Customer, actor: AbstractBaseUser, ip: str | None = None) -> Erasure:
    """Erase a customer's personal data everywhere the desk keeps it, in one transaction.

    Refused while one of their conversations is open: the bot or an agent would go on writing
    into it (and the customer's link would still open it). Files are deleted after commit, so a
    rollback never leaves rows pointing at deleted files.
    """
    _require_supervisor(actor)
    erasure = Erasure()
    files: list[tuple[Any, str]] = []
    with transaction.atomic():
        # Lock the customer row: two supervisors erasing at once do it once each, in turn.
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        conversation_ids = list(Conversation.objects.filter(customer=customer).values_list("pk", flat=True))
        # Lock each conversation (in a fixed order) so no message lands while we rewrite them.
        conversations = [lock_conversation(pk) for pk in sorted(conversation_ids, key=str)]
        if any(c.status in OPEN_STATUSES for c in conversations):
            raise ServiceError(
                "conversation_open",
                "This customer has an open conversation; resolve or close it before erasing their data.",
            )
        names = _identifiers(customer)
        # Every address the desk knew them by, for the emails it wrote them (read before the
        # conversations' collected facts are erased below).
        addresses = {customer.email.casefold()} if customer.email else set()
        addresses |= {
            str(c.collected["email"]).casefold() for c in conversations if (c.collected or {}).get("email")
        }
        customer_messages = Message.objects.filter(conversation_id__in=conversation_ids, sender=Sender.CUSTOMER)
        their_texts = list(customer_messages.values_list("body", flat=True))

        for attachment in Attachment.objects.filter(conversation_id__in=conversation_ids):
            if attachment.file:
                files.append((attachment.file.storage, attachment.file.name))
            attachment.delete()
            erasure.attachments_deleted += 1

        erasure.messages_replaced = customer_messages.update(body=ERASED, author_name="", data={})
        for message in Message.objects.filter(conversation_id__in=conversation_ids).exclude(sender=Sender.CUSTOMER):
            # Bot, agent and system messages (internal notes included) stay readable for the
            # conversation's history, without the customer's name or contact details in them.
            scrubbed = _scrub(message.body, names, customer)
            if scrubbed != message.body:
                Message.objects.filter(pk=message.pk).update(body=scrubbed)
                erasure.messages_scrubbed += 1

        for conversation in conversations:
            collected = {
                key: (value if key in NON_PERSONAL_COLLECTED else ERASED)
                for key, value in (conversation.collected or {}).items()
            }
            conversation.collected = collected
            conversation.summary = ""
            conversation.metadata = {}
            conversation.page_url = _page_without_query(conversation.page_url)
            # The customer's link stops opening the (now erased) transcript.
            conversation.token_hash = ""
            conversation.save(update_fields=["collected", "summary", "metadata", "page_url", "token_hash"])
        erasure.conversations = len(conversations)

        erasure.csat_comments_cleared = (
            CsatResponse.objects.filter(conversation_id__in=conversation_ids).exclude(comment="").update(comment="")
        )
        tickets = Ticket.objects.filter(customer=customer) | Ticket.objects.filter(conversation_id__in=conversation_ids)
        for ticket in tickets.distinct():
            # The description of a callback ticket is the transcript; an agent's is about them.
            ticket.subject = _scrub(ticket.subject, names, customer)[:200]
            ticket.description = ERASED if ticket.description else ""
            ticket.save(update_fields=["subject", "description", "updated_at"])
            # Agents' replies and closing notes are about the customer too, and a reply's email
            # holds the same text (update(): the log is append-only through the ORM's save).
            replies = TicketEvent.objects.filter(ticket=ticket).exclude(body="")
            OutboundEmail.objects.filter(pk__in=replies.exclude(email=None).values("email_id")).update(body=ERASED)
            replies.update(body=ERASED)
            erasure.tickets_scrubbed += 1

        erasure.emails_scrubbed = _scrub_outbox(addresses, names, customer)
        erasure.knowledge_gaps_cleared = _clear_gaps(their_texts)
        if customer.email:
            erasure.orders_unlinked = Order.objects.filter(customer_email__iexact=customer.email).update(
                customer_email=""
            )
        # Higher apps drop what they keep of the customer's words, in this transaction.
        answers = events.ask("customer.erasing", customer_id=customer.pk, texts=their_texts)
        erasure.removed_by_other_apps += sum(int(n or 0) for n in answers)

        erasure.admin_log_entries_scrubbed = _scrub_admin_log(customer, tickets)

        changes = {
            field: ["[personal data]", new]
            for field, old, new in (
                ("name", customer.name, ERASED_NAME),
                ("email", customer.email, None),
                ("external_id", customer.external_id, None),
                ("notes", customer.notes, ""),
            )
            if old
        }
        customer.name = ERASED_NAME
        customer.email = None
        customer.external_id = None
        customer.notes = ""
        customer.save(update_fields=["name", "email", "external_id", "notes", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ERASE,
            object_type=object_type_of(Customer),
            object_id=customer.pk,
            object_repr=_label(customer),
            changes=changes,
            note=erasure.describe(),
            ip=ip,
        )
        transaction.on_commit(lambda: _delete_files(files))
    return erasure


def _clear_gaps(texts: Iterable[str]) -> int:
    """Knowledge gaps whose example is one of the customer's messages: the example and the
    grouping key (made of its words) go; the count stays, it is the desk's figure."""
    examples = sorted({text[:1000] for text in texts})
    cleared = 0
    for start in range(0, len(examples), CHUNK):
        for pk in KnowledgeGap.objects.filter(example__in=examples[start : start + CHUNK]).values_list("pk", flat=True):
            cleared += KnowledgeGap.objects.filter(pk=pk).update(example=ERASED, key=f"erased:{pk}")
    return cleared


def _scrub_admin_log(customer: Customer, tickets) -> int:
    """Django's admin history names objects by their str(): the customer's name, a ticket's
    subject. Those reprs are rewritten; the history of who changed what stays."""
    scrubbed = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer), object_id=str(customer.pk)
    ).update(object_repr=_label(customer))
    for ticket in tickets.distinct():
        scrubbed += LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Ticket), object_id=str(ticket.pk)
        ).update(object_repr=str(ticket)[:200])
    return scrubbed


def _delete_files(files: list[tuple[Any, str]]) -> None:
    for storage, name in files:
        storage.delete(name)
