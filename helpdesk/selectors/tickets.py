"""Reads of tickets, with the agent's scope inside the fetch."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import F, Q, QuerySet

from ..errors import NotFound
from ..models import AgentProfile, Ticket, TicketEvent, TicketStatus
from .conversations import transcript

TicketView = Literal["open", "mine", "closed"]
TICKET_VIEWS: tuple[str, ...] = ("open", "mine", "closed")


def ticket_visible_filter(profile: AgentProfile) -> Q:
    """Which tickets an agent may see: those of their queues, assigned to them or opened by
    them; a supervisor sees all. The same rule as conversations (agent_visible_filter): a
    ticket carries the customer's name and the case, which another team's agent has no
    business reading."""
    if profile.is_supervisor:
        return Q()
    return Q(queue__in=profile.queues.all()) | Q(assignee_id=profile.user_id) | Q(created_by_id=profile.user_id)


def _base() -> QuerySet[Ticket]:
    # Everything a row shows in one query, however many rows: the assignee's display name
    # comes from their agent profile.
    return Ticket.objects.select_related("queue", "customer", "assignee__agent")


def tickets_for_agent(profile: AgentProfile, *, view: TicketView = "open", limit: int = 200) -> list[Ticket]:
    """One of the tickets page's lists.

    open: every ticket not closed; mine: those of them the agent has claimed. Both by due
    time, soonest first, so an overdue ticket (its due time passed) leads and a ticket without
    one comes last. closed: the most recently closed first."""
    qs = _base().filter(ticket_visible_filter(profile))
    if view == "closed":
        return list(qs.filter(status=TicketStatus.CLOSED).order_by("-updated_at", "-id")[:limit])
    qs = qs.exclude(status=TicketStatus.CLOSED)
    if view == "mine":
        qs = qs.filter(assignee_id=profile.user_id)
    return list(qs.order_by(F("due_at").asc(nulls_last=True), "-created_at", "-id")[:limit])


def ticket_get_for_agent(ticket_id: int | str, profile: AgentProfile) -> Ticket:
    """The ticket if the agent may see it. One outside their scope answers like a missing one:
    a 403 would confirm that the ticket exists."""
    try:
        pk = int(str(ticket_id))
    except ValueError as exc:
        raise NotFound("No such ticket.") from exc
    ticket = _base().select_related("conversation").filter(ticket_visible_filter(profile), pk=pk).first()
    if ticket is None:
        raise NotFound("No such ticket.")
    return ticket


def ticket_events(ticket: Ticket) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket).select_related("email").order_by("id"))


def ticket_history(ticket: Ticket) -> list[dict[str, Any]]:
    """The customer's chat beside the ticket: the transcript as the handoff packet gives it to
    staff (conversation_packet's `transcript`), internal notes included and marked
    `internal: true`. Not the whole packet: its queue position, assist suggestions and contact
    history cost queries the ticket does not need. Empty for a ticket without a chat."""
    if ticket.conversation_id is None:
        return []
    return transcript(ticket.conversation_id, include_internal=True)
