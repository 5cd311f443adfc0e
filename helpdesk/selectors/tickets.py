"""Reads of tickets, with the agent's scope inside the fetch."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ..models import AgentProfile, Ticket, TicketStatus


def tickets_open_for_agent(profile: AgentProfile, *, limit: int = 200) -> QuerySet[Ticket]:
    """Open tickets the agent may see: those of their queues, assigned to them or opened by
    them; a supervisor sees all. The same rule as conversations (agent_visible_filter): a
    ticket carries the customer's name and the case, which another team's agent has no
    business reading."""
    qs = Ticket.objects.select_related("queue", "customer").exclude(status=TicketStatus.CLOSED)
    if not profile.is_supervisor:
        qs = qs.filter(
            Q(queue__in=profile.queues.all()) | Q(assignee_id=profile.user_id) | Q(created_by_id=profile.user_id)
        )
    return qs.order_by("due_at", "-created_at")[:limit]
