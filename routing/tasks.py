from __future__ import annotations

from celery import shared_task

from .escalation import escalate_due


@shared_task(name="routing.tasks.escalate_due", time_limit=120, soft_time_limit=100)
def escalate_due_task() -> dict:
    """Safe to run twice at once: each step is a conditional UPDATE (see routing.escalation)."""
    report = escalate_due()
    return {"raised": len(report.raised), "overflowed": len(report.overflowed), "tickets": len(report.tickets)}
