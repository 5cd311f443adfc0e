from __future__ import annotations

from django.db import models


class Queue(models.Model):
    """A team's line of waiting conversations. Agents hold queues as skills."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    skills = models.JSONField(default=list, blank=True, help_text='Skill tags this queue needs, e.g. ["billing"].')
    priority = models.PositiveSmallIntegerField(
        default=0, help_text="Higher is served first when an agent holds several queues."
    )
    business_hours = models.JSONField(
        default=dict,
        blank=True,
        help_text='Optional, e.g. {"tz": "Europe/Berlin", "days": [0,1,2,3,4], "start": "09:00", "end": "17:00"}.',
    )
    is_default = models.BooleanField(default=False, help_text="Where a handoff goes when nothing names a queue.")
    escalate_after_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="A conversation waiting longer than this rises one priority step."
    )
    overflow_after_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Waiting longer than this, it moves to the overflow queue."
    )
    overflow_queue = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="overflow_sources"
    )
    callback_after_seconds = models.PositiveIntegerField(
        default=600,
        help_text="Offer a callback ticket when the estimated wait is longer than this (or nobody is online).",
    )
    offline_requeue_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=120,
        help_text="A chat whose agent went offline while holding it (closed the inbox, lost the connection) "
        "goes back to this queue, at its old place, once they have been gone this long. Empty: it stays "
        "with them.",
    )
    auto_assign = models.BooleanField(
        default=True,
        help_text="Give waiting conversations to the least-loaded online agent at once. Off: agents pick them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-priority", "name"]

    def __str__(self) -> str:
        return self.name
