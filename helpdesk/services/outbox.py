"""The outbox: emails stored in the caller's transaction, sent after commit by a retried task.

A mail server that refuses or hangs delays an email, never the answer a customer waits for.
Each failure is kept on the row (admin: Outbound emails) and tried again with backoff, up to
MAX_ATTEMPTS; beat's `outbox_flush` picks up whatever a lost task left behind.

Race: two senders at once (the task after commit, and the flush). A sender claims a row with a
conditional UPDATE that moves its `next_attempt_at` a lease ahead; the other finds it not due.
A sender that dies mid-send leaves the row to come due again when the lease ends, so an email
may be sent twice in that one case, never lost.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..infrastructure.tasks_runner import run_task
from ..models import OutboundEmail, OutboxStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Then doubling: 15 s, 30 s, 1 min, ... 30 min, about an hour in all (the first is a setting).
LONGEST_RETRY = timedelta(minutes=30)
LEASE = timedelta(minutes=2)


def email_enqueue(*, kind: str, to: str, subject: str, body: str, key: str | None = None) -> OutboundEmail:
    """Store an email to send once the caller's transaction commits. A `key` already stored
    returns that email: a turn run twice asks once."""
    if key is not None:
        existing = OutboundEmail.objects.filter(key=key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            email = OutboundEmail.objects.create(kind=kind, to=to, subject=subject[:200], body=body, key=key)
    except IntegrityError:  # the same key from a concurrent run
        return OutboundEmail.objects.get(key=key)
    transaction.on_commit(lambda: _send_soon(email.pk))
    return email


def _send_soon(email_id: int) -> None:
    from ..tasks import send_outbound_email

    try:
        run_task(send_outbound_email, email_id)
    except Exception:  # the broker is away: the flush sends it
        logger.warning("outbox: email %s waits for the flush", email_id, exc_info=True)


def email_send(*, email_id: int, now: datetime | None = None) -> bool:
    """Send one due email. True when it went out; False when it was not due (another sender has
    it) or failed (kept for its next attempt)."""
    now = now or timezone.now()
    claimed = OutboundEmail.objects.filter(
        pk=email_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return False
    email = OutboundEmail.objects.get(pk=email_id)
    email.attempts += 1
    try:
        EmailMessage(email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [email.to]).send()
    except Exception as error:  # SMTP refused, timed out, rejected: all worth another try
        email.last_error = f"{type(error).__name__}: {error}"[:2000]
        if email.attempts >= MAX_ATTEMPTS:
            email.status = OutboxStatus.FAILED
            logger.error("outbox: gave up on email %s to %s: %s", email.pk, email.to, email.last_error)
        else:
            first = timedelta(seconds=settings.HELPDESK_OUTBOX_FIRST_RETRY_SECONDS)
            email.next_attempt_at = timezone.now() + min(first * 2 ** (email.attempts - 1), LONGEST_RETRY)
            logger.warning("outbox: email %s failed (attempt %s): %s", email.pk, email.attempts, email.last_error)
        email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        return False
    email.status, email.sent_at, email.last_error = OutboxStatus.SENT, timezone.now(), ""
    email.save(update_fields=["attempts", "last_error", "status", "sent_at"])
    return True


def outbox_flush(*, now: datetime | None = None, limit: int = 100) -> int:
    """Send every due email (beat; the embedded loop). Returns how many went out."""
    now = now or timezone.now()
    due = OutboundEmail.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
    ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    return sum(email_send(email_id=pk, now=now) for pk in ids)


def email_retry_now(*, email_id: int) -> None:
    """A supervisor's "try again now" (admin), also for an email the outbox gave up on."""
    OutboundEmail.objects.filter(pk=email_id).exclude(status=OutboxStatus.SENT).update(
        status=OutboxStatus.PENDING, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: _send_soon(email_id))
