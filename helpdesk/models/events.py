from __future__ import annotations

from django.conf import settings
from django.db import models


class EventKind(models.TextChoices):
    CREATED = "created"
    CUSTOMER_MESSAGE = "customer_message"
    BOT_MESSAGE = "bot_message"
    AGENT_MESSAGE = "agent_message"
    SYSTEM_MESSAGE = "system_message"
    NOTE = "note"
    STATUS = "status"
    HANDOFF_REQUESTED = "handoff_requested"
    HANDOFF = "handoff"
    ACCEPTED = "accepted"
    TRANSFERRED = "transferred"
    HANDED_BACK = "handed_back"
    RESOLVED = "resolved"
    CLOSED = "closed"
    ABANDONED = "abandoned"
    CSAT_REQUESTED = "csat_requested"
    CSAT = "csat"
    PRIORITY = "priority"
    TICKET = "ticket"
    REOPENED = "reopened"
    BOT_RATED = "bot_rated"


class ConversationEvent(models.Model):
    """The append-only log of what happened to a conversation: who, what, when, old -> new.

    Analytics and audits read it. Rows are never updated or deleted through the ORM.
    """

    conversation = models.ForeignKey("helpdesk.Conversation", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    actor_type = models.CharField(max_length=10)  # customer | bot | agent | system
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["conversation", "kind"], name="event_conv_kind"),
            models.Index(fields=["kind", "created_at"], name="event_kind_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.old_value} -> {self.new_value}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("ConversationEvent is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("ConversationEvent is append-only")
