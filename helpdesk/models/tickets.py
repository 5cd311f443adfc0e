from __future__ import annotations

from django.conf import settings
from django.db import models

from .conversations import Priority


class TicketStatus(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


class Ticket(models.Model):
    """Asynchronous work: a callback request from a chat, or a case an agent opens."""

    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    customer = models.ForeignKey("helpdesk.Customer", on_delete=models.PROTECT, related_name="tickets")
    conversation = models.ForeignKey(
        "helpdesk.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    queue = models.ForeignKey("helpdesk.Queue", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets")
    status = models.CharField(max_length=10, choices=TicketStatus.choices, default=TicketStatus.OPEN)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="ticket_status_due")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class TicketEventKind(models.TextChoices):
    CLAIMED = "claimed", "Claimed"
    REPLIED = "replied", "Replied by email"
    CLOSED = "closed", "Closed"


class TicketEvent(models.Model):
    """The append-only log of what agents did with a ticket: who, what, when. A reply keeps
    its text and the outbox row that carries it (whose status says whether it went out)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=TicketEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    # The name as it was: the log reads the same after the account is renamed or removed.
    actor_name = models.CharField(max_length=150, blank=True)
    body = models.TextField(blank=True)  # a reply's text, a closing note
    email = models.ForeignKey(
        "helpdesk.OutboundEmail", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind} by {self.actor_name}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("TicketEvent is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("TicketEvent is append-only")
