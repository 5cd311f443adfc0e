from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Sender(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    BOT = "bot", "Bot"
    AGENT = "agent", "Agent"
    SYSTEM = "system", "System"


class Message(models.Model):
    """One message in a conversation.

    Customer-visible messages carry `seq`, counted from 1 per conversation with no gaps.
    Internal notes have no `seq`: they sit outside the customer's sequence so that a note can
    never show up, even as a hole, in what the customer replays. The primary key grows with
    commit order inside a conversation (ids are taken under the conversation's row lock),
    which the agent socket uses to drop duplicates.
    """

    conversation = models.ForeignKey("helpdesk.Conversation", on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField(null=True, blank=True)
    sender = models.CharField(max_length=10, choices=Sender.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    author_name = models.CharField(max_length=100, blank=True)
    body = models.TextField()
    options = models.JSONField(default=list, blank=True)
    client_msg_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 - NULL: no id, unique otherwise
    internal = models.BooleanField(default=False)
    # Room for what later layers attach (the model's prediction, attachments).
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        # Per-conversation reads by sender (replay, the scorecard's sentiment figures).
        indexes = [models.Index(fields=["conversation", "sender", "id"], name="message_conv_sender_id")]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "seq"], condition=Q(seq__isnull=False), name="message_seq_unique"
            ),
            models.UniqueConstraint(
                fields=["conversation", "client_msg_id"],
                condition=Q(client_msg_id__isnull=False),
                name="message_client_msg_id_unique",
            ),
            models.CheckConstraint(
                condition=(Q(internal=True) & Q(seq__isnull=True)) | (Q(internal=False) & Q(seq__isnull=False)),
                name="message_seq_iff_visible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}#{self.seq or 'note'}: {self.body[:40]}"


class CsatResponse(models.Model):
    conversation = models.OneToOneField("helpdesk.Conversation", on_delete=models.CASCADE, related_name="csat")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="csat_score_1_5")]

    def __str__(self) -> str:
        return f"{self.score}/5 for {self.conversation_id}"
