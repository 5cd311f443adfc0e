from __future__ import annotations

from django.conf import settings
from django.db import models


class CannedReply(models.Model):
    """A ready answer agents insert with one click; offered when the intent matches."""

    title = models.CharField(max_length=120)
    body = models.TextField()
    intents = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class BotRating(models.Model):
    """An agent's verdict on how the bot handled a conversation before handing it over."""

    conversation = models.ForeignKey("helpdesk.Conversation", on_delete=models.CASCADE, related_name="bot_ratings")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    helpful = models.BooleanField()
    predicted_intent = models.CharField(max_length=60, blank=True)
    correct_intent = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "agent"], name="one_bot_rating_per_agent_and_conversation")
        ]

    def __str__(self) -> str:
        return f"{'👍' if self.helpful else '👎'} {self.conversation_id}"
