from __future__ import annotations

from django.conf import settings
from django.db import models


class Presence(models.TextChoices):
    ONLINE = "online", "Online"
    AWAY = "away", "Away"
    OFFLINE = "offline", "Offline"


class AgentProfile(models.Model):
    """What the desk knows of a human agent beyond their Django user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    display_name = models.CharField(max_length=100)
    queues = models.ManyToManyField("helpdesk.Queue", related_name="agents", blank=True)
    max_concurrent_chats = models.PositiveSmallIntegerField(default=3)
    is_supervisor = models.BooleanField(default=False)
    presence = models.CharField(max_length=10, choices=Presence.choices, default=Presence.OFFLINE)
    presence_changed_at = models.DateTimeField(null=True, blank=True)
    # Open inbox sockets across all processes; presence goes offline when it reaches 0.
    open_connections = models.IntegerField(default=0)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.display_name
