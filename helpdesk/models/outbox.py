"""Emails the desk sends, written first and sent after: the outbox (helpdesk/services/outbox.py)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Gave up"


class OutboundEmail(models.Model):
    """One email, stored in the transaction of whatever asked for it (a password reset, a
    callback, a review reminder) and sent by a retried task, so a mail server that is down
    delays the email, never the answer. `key` makes asking twice store one."""

    key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    kind = models.CharField(max_length=40, help_text="What asked for it: password_reset, callback, review, ...")
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.status})"
