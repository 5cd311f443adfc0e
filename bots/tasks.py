from __future__ import annotations

from celery import shared_task

from .services.turns import bot_handle_message


@shared_task(
    name="bots.tasks.handle_message",  # routed to the "ml" queue by CELERY_TASK_ROUTES
    acks_late=True,  # a worker killed mid-task must not lose the message: it is redelivered
    reject_on_worker_lost=True,
    time_limit=30,
    soft_time_limit=25,
)
def handle_message(message_id: int) -> None:
    bot_handle_message(message_id=message_id)
