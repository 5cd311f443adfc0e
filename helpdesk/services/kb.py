"""Knowledge-base governance: review reminders, the owner told of stale articles, gaps."""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..infrastructure import realtime
from ..models import Article, ArticleStatus, KnowledgeGap
from .outbox import email_enqueue

REMIND_BEFORE = timedelta(days=7)


def _owner_addresses(article: Article) -> list[str]:
    if article.owner and article.owner.email:
        return [article.owner.email]
    return []


def articles_remind_owners(*, now=None) -> int:
    """Daily: tell each owner about their articles falling due within a week (once per due
    date: `reminded_for_due` is claimed by a conditional UPDATE)."""
    now = now or timezone.now()
    sent = 0
    for article in Article.objects.filter(status=ArticleStatus.PUBLISHED).select_related("owner"):
        due = article.review_due_at
        if due is None or due > now + REMIND_BEFORE:
            continue
        if not Article.objects.filter(pk=article.pk).exclude(reminded_for_due=due).update(reminded_for_due=due):
            continue
        recipients = _owner_addresses(article)
        if recipients:
            state = "is overdue" if due <= now else f"is due for review on {due:%Y-%m-%d}"
            for to in recipients:
                email_enqueue(
                    kind="review_reminder",
                    to=to,
                    subject=f"Review due: {article.title}",
                    body=f"The help article “{article.title}” {state}. Until it is reviewed after its due date "
                    "the assistant stops serving it and sends the question to your team.\n\n"
                    "Open it in the admin and use “Mark reviewed today” once it is up to date.",
                    key=f"review:{article.pk}:{due.isoformat()}:{to}",
                )
            sent += 1
    return sent


ARTICLE_COUNTERS = {"served": "times_served", "helped": "times_helped", "not_helped": "times_not_helped"}


def article_count(*, article_id: int, outcome: str) -> None:
    """Content performance (metrics.md): an article served, or a customer's answer to "did that
    help?". An F() update: concurrent turns never lose a count."""
    counter = ARTICLE_COUNTERS[outcome]
    Article.objects.filter(pk=article_id).update(**{counter: F(counter) + 1})


def article_stale_asked(*, article: Article) -> None:
    """A customer asked something an overdue article answers: its owners should know now."""
    text = f"“{article.title}” is past its review date; a customer's question went to your team instead."
    realtime.alert_supervisors(text, {"article_id": str(article.pk)})
    for to in _owner_addresses(article):
        # One email a day per article, however many customers ask.
        email_enqueue(
            kind="stale_article",
            to=to,
            subject=f"Stale article asked for: {article.title}",
            body=text,
            key=f"stale:{article.pk}:{timezone.now():%Y-%m-%d}:{to}",
        )


_WORDS = re.compile(r"[a-z0-9]+")
_STOP = {"the", "a", "an", "i", "my", "is", "to", "do", "you", "can", "how", "what", "please", "hi", "hello", "me"}


def gap_key(text: str, guessed_intent: str) -> str:
    """Questions worded alike, with the same half-guess, fall into one group."""
    words = sorted({w for w in _WORDS.findall(text.lower()) if w not in _STOP})[:8]
    return f"{guessed_intent}:{' '.join(words)}"[:200]


def gap_record(*, text: str, guessed_intent: str, reason: str) -> KnowledgeGap:
    key = gap_key(text, guessed_intent)
    updated = KnowledgeGap.objects.filter(key=key).update(count=F("count") + 1, last_seen=timezone.now())
    if updated:
        return KnowledgeGap.objects.get(key=key)
    try:
        with transaction.atomic():
            return KnowledgeGap.objects.create(
                key=key, example=text[:1000], guessed_intent=guessed_intent, reason=reason
            )
    except IntegrityError:  # race: the same new question twice at once
        KnowledgeGap.objects.filter(key=key).update(count=F("count") + 1)
        return KnowledgeGap.objects.get(key=key)
