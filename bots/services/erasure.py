"""What the bot keeps of a customer's words, dropped when the customer is erased."""

from __future__ import annotations

from collections.abc import Sequence

from helpdesk.security.redaction import redact

from ..models import ExampleSource, IntentExample

# Bound the IN (...) list: SQLite caps the parameters of one statement.
CHUNK = 500


def erase_customer_texts(*, customer_id: int, texts: Sequence[str]) -> int:
    """Delete the training examples that agent corrections made from the customer's messages.

    Runs inside the kernel's erasure transaction (the "customer.erasing" event). A
    correction stores the message as written or redacted (HELPDESK_REDACT_PII, which may have
    changed since), cut to 1,000 characters, so both forms are matched. Seed and imported
    examples are never a customer's words and are left alone. Returns how many were deleted.
    """
    candidates = sorted({text[:1000] for text in texts} | {redact(text)[:1000] for text in texts})
    deleted = 0
    for start in range(0, len(candidates), CHUNK):
        chunk = candidates[start : start + CHUNK]
        count, _ = IntentExample.objects.filter(source=ExampleSource.CORRECTION, text__in=chunk).delete()
        deleted += count
    return deleted
