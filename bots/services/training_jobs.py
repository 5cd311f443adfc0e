"""Training jobs: a supervisor starts a retraining from the intents page and a background task
runs it (bots/tasks.py `train_intent_model`: Celery's "ml" queue, a thread when embedded), so
no request waits ~25 s on the encoder. The job's row is the page's view of it: the task writes
each step's progress there as it goes, then the result or the error."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.models import AuditAction
from helpdesk.services.audit import audit_object, audit_snapshot

from ..models import UNFINISHED, JobStatus, ModelKind, TrainingJob
from .training import train_from_database

logger = logging.getLogger(__name__)

# The task's hard time limit (bots/tasks.py). Past it Celery has killed the task, so a job
# silent for longer (STALE_AFTER) has certainly lost its worker.
TIME_LIMIT_SECONDS = 600
# A worker that died mid-training (killed, out of memory, a deploy) cannot say so: its job
# would read "running" forever and, being the one unfinished job, block every new start. A
# job reports after each step and each chunk of examples (seconds apart), so one with no sign
# of life for this long is dead: it counts as failed.
STALE_AFTER = timedelta(seconds=TIME_LIMIT_SECONDS + 300)


def training_jobs_fail_stale() -> int:
    """Mark unfinished jobs silent for longer than STALE_AFTER as failed; how many. Safe to
    call from any read: a conditional UPDATE, idempotent."""
    now = timezone.now()
    minutes = int(STALE_AFTER.total_seconds() // 60)
    return TrainingJob.objects.filter(status__in=UNFINISHED, updated_at__lt=now - STALE_AFTER).update(
        status=JobStatus.FAILED,
        step="failed",
        finished_at=now,
        updated_at=now,
        error=f"No sign of life for {minutes} minutes: the worker running it stopped (crashed, killed or "
        "restarted). Start the training again.",
    )


def training_job_latest() -> TrainingJob | None:
    return TrainingJob.objects.filter(kind=ModelKind.INTENT).select_related("started_by", "version").first()


def training_job_start(
    *, actor: AbstractBaseUser | AnonymousUser | None, ip: str | None = None
) -> tuple[TrainingJob, bool]:
    """A new queued job, or the one already under way: (job, created). The caller sends the
    task for a created job after the commit (`train_intent_model`)."""
    training_jobs_fail_stale()
    user = actor if actor is not None and actor.is_authenticated else None
    for _ in range(3):
        try:
            with transaction.atomic():
                job = TrainingJob.objects.create(kind=ModelKind.INTENT, started_by=user, step="waiting for a worker")
                audit_object(
                    actor=actor, action=AuditAction.CREATE, obj=job, before=None, after=audit_snapshot(job), ip=ip
                )
            return job, True
        except IntegrityError:
            # A job is queued or running (or another click inserted one a moment ago): the
            # partial unique constraint lets exactly one in, whatever the database's locking.
            pass
        running = TrainingJob.objects.filter(kind=ModelKind.INTENT, status__in=UNFINISHED).first()
        if running is not None:
            return running, False
        # It finished between our insert and this read: try the insert again.
    raise RuntimeError("could not start a training job")


def _report(job_id: int, share: float, step: str) -> None:
    # Outside any transaction: each report commits at once, so the page's next poll sees it.
    TrainingJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        progress=round(min(max(share, 0.0), 1.0), 3), step=step[:100], updated_at=timezone.now()
    )


def _finish(job_id: int, **values: object) -> None:
    now = timezone.now()
    TrainingJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(finished_at=now, updated_at=now, **values)


def training_job_run(*, job_id: int) -> None:
    """Run a queued job: train from the database's examples, store the version (activated
    when it does not regress), and record the result on the job, or the error."""
    now = timezone.now()
    # Claimed by a conditional UPDATE: a task delivered twice runs the training once, and a
    # job already given up as stale stays failed.
    claimed = TrainingJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, updated_at=now, step="starting"
    )
    if not claimed:
        logger.info("training job %s is not queued: nothing to run", job_id)
        return
    job = TrainingJob.objects.select_related("started_by").get(pk=job_id)
    who = job.started_by.get_username() if job.started_by else "someone"
    try:
        outcome = train_from_database(
            note=f"training job #{job_id} by {who}", progress=lambda share, step: _report(job_id, share, step)
        )
    except Exception as error:  # noqa: BLE001 - any failure is the job's result, shown on the page
        logger.exception("training job %s failed", job_id)
        _finish(job_id, status=JobStatus.FAILED, step="failed", error=f"{type(error).__name__}: {error}"[:2000])
        return
    metrics = outcome.version.metrics if outcome.version is not None else outcome.result.metrics
    _finish(
        job_id,
        status=JobStatus.DONE,
        progress=1.0,
        step="done",
        version=outcome.version,
        accuracy=metrics.get("accuracy"),
        oos_curve=metrics.get("oos_curve") or [],
        activated=outcome.activated,
        reason=outcome.reason[:300],
    )


def training_job_summary(job: TrainingJob) -> str:
    """The job in one sentence, as the intents page shows it."""
    head = f"Training #{job.pk}"
    if job.status == JobStatus.QUEUED:
        return f"{head}: waiting for a worker."
    if job.status == JobStatus.RUNNING:
        return f"{head}: {job.step or 'running'}…"
    if job.status == JobStatus.FAILED:
        return f"{head} failed. {job.error}"
    accuracy = f"hold-out accuracy {job.accuracy:.3f}" if job.accuracy is not None else "no hold-out figure"
    version = f"version {job.version_id}" if job.version_id else "the new version"
    if job.activated:
        return f"{head} done: {version} is now active ({job.reason}); {accuracy}."
    return f"{head} done: {version} was stored but not activated, because {job.reason}; {accuracy}."
