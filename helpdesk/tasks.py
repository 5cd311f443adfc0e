from __future__ import annotations

from celery import shared_task

from .services.conversations import conversations_sweep_inactive


@shared_task(name="helpdesk.tasks.sweep_inactive", time_limit=120, soft_time_limit=100)
def sweep_inactive() -> int:
    """End conversations whose customer went silent (metrics.md). Safe to run twice: each
    conversation is claimed under its row lock."""
    return conversations_sweep_inactive()
