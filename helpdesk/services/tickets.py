"""Tickets: opened from a chat (a callback) or by an agent; claimed, answered by email and closed
from the tickets page."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from ..errors import NotFound, PermissionDenied, ServiceError
from ..infrastructure import realtime
from ..infrastructure.locks import lock_ticket
from ..models import (
    AgentProfile,
    Conversation,
    ConversationEvent,
    Customer,
    EventKind,
    Priority,
    Queue,
    Ticket,
    TicketEvent,
    TicketEventKind,
    TicketStatus,
)
from ..selectors.tickets import ticket_visible_filter
from .outbox import email_enqueue


def ticket_open(
    *,
    subject: str,
    customer: Customer,
    description: str = "",
    conversation: Conversation | None = None,
    queue: Queue | None = None,
    priority: int = Priority.NORMAL,
    assignee: AbstractBaseUser | None = None,
    due_at: datetime | None = None,
    created_by: AbstractBaseUser | None = None,
) -> Ticket:
    """Open a ticket, from a conversation (a callback request) or by an agent."""
    with transaction.atomic():
        ticket = Ticket.objects.create(
            subject=subject.strip()[:200],
            description=description,
            customer=customer,
            conversation=conversation,
            queue=queue or (conversation.queue if conversation else None),
            priority=priority,
            assignee=assignee,
            due_at=due_at,
            created_by=created_by,
        )
        if conversation is not None:
            ConversationEvent.objects.create(
                conversation=conversation,
                kind=EventKind.TICKET,
                actor_type="agent" if created_by else "system",
                actor=created_by,
                new_value=str(ticket.pk),
            )
        _announce(ticket)
    return ticket


def _announce(ticket: Ticket) -> None:
    """Tickets pages that may see the ticket read it again, once this commits: its queue's and
    supervisors' (by group), and its assignee's and opener's when neither covers them, so that
    each socket hears of each change once."""
    people = {ticket.assignee_id, ticket.created_by_id} - {None}
    outside = []
    if people:
        outside = list(
            AgentProfile.objects.filter(user_id__in=people, is_supervisor=False)
            .exclude(queues=ticket.queue_id)
            .values_list("user_id", flat=True)
        )
    realtime.after_commit(realtime.ticket_changed, ticket.pk, ticket.queue_id, outside)


# --- Agents working a ticket (the tickets page, docs/protocol.md §2.6) ----------------------

REPLY_MAX_CHARS = 10_000
NOTE_MAX_CHARS = 2_000


def _locked_for_agent(ticket_id: int | str, profile: AgentProfile) -> Ticket:
    """The ticket, row-locked, if the agent may see it (the same scope as the page's lists)."""
    if not Ticket.objects.filter(ticket_visible_filter(profile), pk=_ticket_pk(ticket_id)).exists():
        raise NotFound("No such ticket.")
    return lock_ticket(_ticket_pk(ticket_id))


def _ticket_pk(ticket_id: int | str) -> int:
    try:
        return int(str(ticket_id))
    except ValueError as exc:
        raise NotFound("No such ticket.") from exc


def _holder_name(ticket: Ticket) -> str:
    holder = AgentProfile.objects.filter(user_id=ticket.assignee_id).first()
    return holder.display_name if holder else "Another agent"


def _open_check(ticket: Ticket) -> None:
    if ticket.status == TicketStatus.CLOSED:
        raise ServiceError("invalid_state", "This ticket is closed.")


def _holder_or_supervisor_check(ticket: Ticket, profile: AgentProfile, doing: str) -> None:
    if ticket.assignee_id in (None, profile.user_id) or profile.is_supervisor:
        return
    raise PermissionDenied(f"{_holder_name(ticket)} has claimed this ticket; only they or a supervisor may {doing}.")


def _event(ticket: Ticket, profile: AgentProfile, kind: str, body: str = "", email=None) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=profile.user, actor_name=profile.display_name, body=body, email=email
    )


def _claim_locked(ticket: Ticket, profile: AgentProfile) -> None:
    ticket.assignee_id = profile.user_id
    ticket.save(update_fields=["assignee", "updated_at"])
    _event(ticket, profile, TicketEventKind.CLAIMED)


def ticket_claim(*, ticket_id: int | str, profile: AgentProfile) -> Ticket:
    """The agent takes the ticket: it is theirs to answer.

    Race: two agents claim the same ticket at once. The ticket's row lock (on SQLite, the
    IMMEDIATE transaction) makes the check and the claim one step: the second reads the
    first's claim and is told who has it; nobody's claim is silently overwritten, a
    supervisor's included."""
    with transaction.atomic():
        ticket = _locked_for_agent(ticket_id, profile)
        _open_check(ticket)
        if ticket.assignee_id == profile.user_id:
            return ticket  # already theirs: claiming again (a second tab) changes nothing
        if ticket.assignee_id is not None:
            raise ServiceError("already_claimed", f"{_holder_name(ticket)} has already claimed this ticket.")
        _claim_locked(ticket, profile)
        _announce(ticket)
    return ticket


def ticket_reply(*, ticket_id: int | str, profile: AgentProfile, body: str) -> TicketEvent:
    """An email to the ticket's customer, through the outbox (stored now, sent after commit and
    retried), recorded on the ticket. An unclaimed ticket becomes the replying agent's."""
    text = (body or "").strip()
    if not text:
        raise ServiceError("bad_request", "Write the reply first.")
    if len(text) > REPLY_MAX_CHARS:
        raise ServiceError("bad_request", f"A reply may be at most {REPLY_MAX_CHARS:,} characters.")
    with transaction.atomic():
        ticket = _locked_for_agent(ticket_id, profile)
        _open_check(ticket)
        _holder_or_supervisor_check(ticket, profile, "reply")
        address = _customer_address(ticket)
        if not address:
            raise ServiceError("no_email", "This customer left no email address, so an email reply cannot reach them.")
        if ticket.assignee_id is None:
            _claim_locked(ticket, profile)
        team = ticket.queue.name if ticket.queue_id else "support"
        email = email_enqueue(
            kind="ticket_reply",
            to=address,
            subject=f"About your request (ticket #{ticket.pk})",
            body=f"{text}\n\n{profile.display_name}, our {team} team\n(ticket #{ticket.pk}: reply to this email)",
        )
        event = _event(ticket, profile, TicketEventKind.REPLIED, body=text, email=email)
        # Answered: the ticket waits on the customer now, no longer on the desk.
        ticket.status = TicketStatus.PENDING
        ticket.save(update_fields=["status", "updated_at"])
        _announce(ticket)
    return event


def _customer_address(ticket: Ticket) -> str:
    """The customer's email, or the one the bot collected in the chat (a callback's)."""
    customer = Customer.objects.only("email").get(pk=ticket.customer_id)
    if customer.email:
        return customer.email
    if ticket.conversation_id is None:
        return ""
    collected = Conversation.objects.filter(pk=ticket.conversation_id).values_list("collected", flat=True).first()
    return str((collected or {}).get("email") or "")


def ticket_close(*, ticket_id: int | str, profile: AgentProfile, note: str = "") -> Ticket:
    """The ticket is done; the optional note says how (kept on the ticket's log)."""
    text = (note or "").strip()
    if len(text) > NOTE_MAX_CHARS:
        raise ServiceError("bad_request", f"A closing note may be at most {NOTE_MAX_CHARS:,} characters.")
    with transaction.atomic():
        ticket = _locked_for_agent(ticket_id, profile)
        _open_check(ticket)
        _holder_or_supervisor_check(ticket, profile, "close it")
        ticket.status = TicketStatus.CLOSED
        if ticket.assignee_id is None:
            ticket.assignee_id = profile.user_id
        ticket.save(update_fields=["status", "assignee", "updated_at"])
        _event(ticket, profile, TicketEventKind.CLOSED, body=text)
        _announce(ticket)
    return ticket
