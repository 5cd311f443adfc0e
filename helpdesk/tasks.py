from __future__ import annotations

from celery import shared_task

from .services.conversations import conversations_sweep_inactive


@shared_task(name="helpdesk.tasks.sweep_inactive", time_limit=120, soft_time_limit=100)
def sweep_inactive() -> int:
    """End conversations whose customer went silent (metrics.md). Safe to run twice: each
    conversation is claimed under its row lock."""
    return conversations_sweep_inactive()


@shared_task(name="helpdesk.tasks.kb_review_reminders", time_limit=300, soft_time_limit=280)
def kb_review_reminders() -> int:
    """Daily. Safe to run twice: each reminder is claimed per due date."""
    from .services.kb import articles_remind_owners

    return articles_remind_owners()


@shared_task(name="helpdesk.tasks.sweep_presence", time_limit=60, soft_time_limit=50)
def sweep_presence() -> int:
    """Beat: agents whose inbox sockets died with their process go offline (helpdesk/infrastructure/presence.py);
    the chats of agents offline past their queue's `offline_requeue_seconds` go back to the
    queue. Safe to run twice: each agent and chat is re-checked under its row lock."""
    from .services.agents import agents_requeue_offline_chats, agents_sweep_stale

    return agents_sweep_stale() + agents_requeue_offline_chats()


@shared_task(name="helpdesk.tasks.send_outbound_email", time_limit=60, soft_time_limit=50)
def send_outbound_email(email_id: int) -> bool:
    """After the commit that stored it. Safe to run twice: a sender claims the row first."""
    from .services.outbox import email_send

    return email_send(email_id=email_id)


@shared_task(name="helpdesk.tasks.outbox_flush", time_limit=300, soft_time_limit=280)
def outbox_flush() -> int:
    """Beat: emails whose first try failed, or whose task was lost, when they come due."""
    from .services.outbox import outbox_flush as flush

    return flush()

