"""The callback offer while a customer waits: leave an email, get a ticket, stop waiting."""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from helpdesk.infrastructure.locks import lock_conversation
from helpdesk.models import Conversation, Message
from helpdesk.selectors.conversations import conversation_packet
from helpdesk.services.conversations import collected_merge
from helpdesk.services.customers import customer_email_fill
from helpdesk.services.messages import bot_say
from helpdesk.services.outbox import email_enqueue
from helpdesk.services.tickets import ticket_open

from ..models import FlowState
from .state import state_of, state_update

ASKS_FOR_CALLBACK = re.compile(r"^\s*(callback|call ?back|call me back|request a callback|email me)\b", re.IGNORECASE)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
CALLBACK_DUE = timedelta(hours=4)


def handle_while_queued(message: Message) -> bool:
    """True when the message was part of the callback exchange (and is answered here).

    Safe to run twice for one message (a bot task handed out again while its first run still
    works, docs/faults.md): every answer carries `in_reply_to`, so the second is not stored, and
    the ticket is opened under the conversation's lock only if none is recorded yet."""
    conversation = message.conversation
    state = state_of(conversation)
    reply = {"in_reply_to": message.pk}
    if state.callback_ticket:
        return False
    if state.awaiting == "callback_email":
        found = EMAIL.search(message.body)
        if not found:
            bot_say(
                conversation_id=conversation.pk,
                body="That doesn't look like an email address. Could you type it again?",
                data=reply,
            )
            return True
        _remember_email(conversation, found.group(0).lower())
        _open_ticket(conversation.pk, reply)
        return True
    if not ASKS_FOR_CALLBACK.search(message.body):
        return False
    if conversation.customer.email:
        _open_ticket(conversation.pk, reply)
    else:
        state_update(conversation.pk, awaiting="callback_email")
        bot_say(
            conversation_id=conversation.pk,
            body="Of course. Which email address should we use to get back to you?",
            data=reply,
        )
    return True


def _remember_email(conversation: Conversation, email: str) -> None:
    customer_email_fill(customer=conversation.customer, email=email)
    with transaction.atomic():
        locked = lock_conversation(conversation.pk)
        locked.save(update_fields=collected_merge(conversation=locked, values={"email": email}))


def _open_ticket(conversation_id, reply: dict) -> None:
    with transaction.atomic():
        lock_conversation(conversation_id)
        conversation = Conversation.objects.select_related("customer", "queue", "agent__agent").get(
            pk=conversation_id
        )
        if FlowState.objects.filter(pk=conversation_id, callback_ticket__isnull=False).exists():
            return  # the same turn's other run opened it
        packet = conversation_packet(conversation, include_internal=False)
        lines = [f"{m['sender']}: {m['body']}" for m in packet["transcript"]]
        summary = packet.get("summary") or ""
        description = "\n".join(
            [
                "Callback requested from the chat while waiting.",
                f"Intent: {packet.get('intent') or '—'} · sentiment: {packet.get('sentiment')} · "
                f"trigger: {packet.get('handoff_trigger') or '—'}",
                f"Collected: {packet.get('collected') or {}}",
                *([f"Summary: {summary}"] if summary else []),
                "",
                "Transcript:",
                *lines,
            ]
        )
        topic = (packet.get("intent") or "chat").replace("_", " ")
        ticket = ticket_open(
            subject=f"Callback: {topic} — {conversation.customer.display_name}",
            description=description,
            customer=conversation.customer,
            conversation=conversation,
            queue=conversation.queue,
            priority=conversation.priority,
            due_at=timezone.now() + CALLBACK_DUE,
        )
        state_update(conversation.pk, awaiting="", callback_ticket=ticket.pk)
        address = conversation.customer.email or (conversation.collected or {}).get("email")
        if address:
            email_enqueue(
                kind="callback",
                to=address,
                subject=f"We'll get back to you (ticket #{ticket.pk})",
                body=f"Hello,\n\nThanks for your message. Our {conversation.queue} team has your request as "
                f"ticket #{ticket.pk} and will email you within a few hours.\n\nYou don't need to do anything.",
                key=f"callback:{ticket.pk}",
            )
        if not conversation.is_open:
            # Closed meanwhile (the customer left, an agent resolved it): the ticket and its
            # email stand, nobody is there to read the chat's confirmation.
            return
        email = address or "your email"
        bot_say(
            conversation_id=conversation.pk,
            body=f"Done — I've opened ticket #{ticket.pk}. Our {conversation.queue} team will email you at {email} "
            "within a few hours. You can close this chat, or keep waiting if you prefer.",
            data=reply,
            locked=conversation,
        )
