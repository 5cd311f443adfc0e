from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class ConversationStatus(models.TextChoices):
    BOT = "bot", "With the bot"
    QUEUED = "queued", "Waiting for a human"
    ASSIGNED = "assigned", "With an agent"
    RESOLVED = "resolved", "Resolved"
    ABANDONED = "abandoned", "Abandoned"


OPEN_STATUSES = (ConversationStatus.BOT, ConversationStatus.QUEUED, ConversationStatus.ASSIGNED)


class Priority(models.IntegerChoices):
    LOW = 0, "low"
    NORMAL = 1, "normal"
    HIGH = 2, "high"
    URGENT = 3, "urgent"


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    NEUTRAL = "neutral", "Neutral"
    POSITIVE = "positive", "Positive"


class Channel(models.TextChoices):
    WEB = "web", "Web chat"
    MOBILE = "mobile", "Mobile app"
    API = "api", "API"


# What `Conversation.collected` may hold: facts about the customer's request, gathered by the
# bot (or an agent) so nobody asks twice; the handoff packet shows them (docs/protocol.md). Each
# key with its type and the label the inbox shows. Whatever the bot keeps for itself (the flow
# under way, "answered") is the bot's own: bots.models.FlowState.
COLLECTED_FIELDS: dict[str, tuple[type, str]] = {
    "order_number": (str, "Order number"),
    "order_status": (str, "Order status"),
    "tracking_number": (str, "Tracking number"),
    "email": (str, "Email"),
    "damage": (str, "What is wrong with the item"),
    "photo": (bool, "Photo sent"),
    "problem": (str, "Problem"),
    "steps_tried": (int, "Troubleshooting steps tried"),
    "fraud_signs": (bool, "Signs of fraud"),
}


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey("helpdesk.Customer", on_delete=models.PROTECT, related_name="conversations")
    channel = models.CharField(max_length=30, default=Channel.WEB)
    page_url = models.URLField(max_length=2000, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # sha256 of the customer's token; the token itself is shown once, at creation.
    token_hash = models.CharField(max_length=64, editable=False)

    status = models.CharField(max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.BOT)
    queue = models.ForeignKey(
        "helpdesk.Queue", on_delete=models.PROTECT, null=True, blank=True, related_name="conversations"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)

    intent = models.CharField(max_length=100, blank=True)
    # The first in-scope intent the model read; analytics groups by it (metrics.md by_intent).
    first_intent = models.CharField(max_length=100, blank=True, db_index=True)
    intent_confidence = models.FloatField(null=True, blank=True)
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, default=Sentiment.NEUTRAL)
    sentiment_score = models.FloatField(default=0.0)
    handoff_trigger = models.CharField(max_length=100, blank=True, help_text="Why it first left the bot.")
    collected = models.JSONField(
        default=dict, blank=True, help_text="Facts about the customer's request (COLLECTED_FIELDS)."
    )
    summary = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    bot_failures = models.PositiveSmallIntegerField(default=0)
    # Running sums of the model's sentiment readings, kept as messages are read, so the
    # scorecard's sentiment figures are plain sums (metrics.md, sentiment_*_handoff).
    sentiment_before_sum = models.FloatField(default=0.0)
    sentiment_before_n = models.PositiveIntegerField(default=0)
    sentiment_after_sum = models.FloatField(default=0.0)
    sentiment_after_n = models.PositiveSmallIntegerField(default=0)
    sentiment_at_resolution = models.FloatField(null=True, blank=True)
    # 0: never escalated while waiting; 1: priority raised; 2: overflowed. Advanced only by a
    # conditional UPDATE, so two escalation runs never act twice.
    escalation_level = models.PositiveSmallIntegerField(default=0)

    # The last customer-visible seq handed out; advanced under the conversation's row lock.
    last_seq = models.PositiveIntegerField(default=0)

    # A timestamp for every transition (first time and latest where both matter).
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    first_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    first_handoff_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    first_assigned_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    first_agent_message_at = models.DateTimeField(null=True, blank=True)
    first_bot_reply_at = models.DateTimeField(
        null=True, blank=True, help_text="The first bot message after the customer's first message."
    )
    handed_back_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    abandoned_at = models.DateTimeField(null=True, blank=True)
    # Who held it when the customer left: bot | queued | assigned (metrics.md outcomes).
    abandoned_from = models.CharField(max_length=10, blank=True)
    closed_by_customer_at = models.DateTimeField(null=True, blank=True)
    csat_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "queue", "-priority", "queued_at"], name="conv_queue_order"),
            models.Index(fields=["agent", "status"], name="conv_agent_status"),
            models.Index(fields=["customer", "created_at"], name="conv_customer_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="assigned") | Q(agent__isnull=False), name="conv_assigned_has_agent"
            ),
        ]

    def __str__(self) -> str:
        return f"Conversation {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
