"""Periodic work when there is no Celery beat (embedded mode).

Production runs `helpdesk.tasks.sweep_inactive` and `sweep_presence` from beat. Embedded mode
has no beat, so the busy paths (starting a conversation, loading the inbox) call `maybe_sweep`,
which runs both on the task pool at most once a minute per process.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from .tasks_runner import run_task

SWEEP_EVERY_SECONDS = 60


def maybe_sweep() -> None:
    if not settings.EMBEDDED:
        return
    # cache.add is atomic: only the first caller in a minute gets to run it.
    if cache.add("helpdesk:embedded-sweep", 1, timeout=SWEEP_EVERY_SECONDS):
        from ..tasks import sweep_inactive, sweep_presence

        run_task(sweep_inactive)
        run_task(sweep_presence)
