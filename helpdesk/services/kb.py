"""Knowledge-base governance: review reminders, the owner told of stale articles, gaps."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import timedelta

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from ..infrastructure import events, realtime
from ..models import (
    AnswerOutcome,
    Article,
    ArticlePassage,
    ArticleStatus,
    Conversation,
    KnowledgeAnswer,
    KnowledgeBaseSettings,
    KnowledgeGap,
    Queue,
)
from ..selectors.kb import Performance, article_performance
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
            performance = _performance_line(article)
            for to in recipients:
                email_enqueue(
                    kind="review_reminder",
                    to=to,
                    subject=f"Review due: {article.title}",
                    body=f"The help article “{article.title}” {state}. Until it is reviewed after its due date "
                    f"the assistant stops serving it and sends the question to your team.\n\n{performance}\n\n"
                    "Open it in the admin and use “Mark reviewed today” once it is up to date.",
                    key=f"review:{article.pk}:{due.isoformat()}:{to}",
                )
            sent += 1
    return sent


def _performance_line(article: Article) -> str:
    """What the owners should know before they review: how the article has done."""
    p = article_performance([article.pk]).get(article.pk, Performance())
    last = f"{p.last_served:%Y-%m-%d}" if p.last_served else "never"
    return (
        f"How it has done: the assistant answered from it {p.served} times (last {last}); customers said it "
        f"helped {p.helped} times and didn't {p.not_helped} times; a person took over after it {p.handed_off} times."
    )


ARTICLE_COUNTERS = {"served": "times_served", "helped": "times_helped", "not_helped": "times_not_helped"}


def article_count(*, article_id: int, outcome: str) -> bool:
    """Content performance (metrics.md): an article served, or a customer's answer to "did that
    help?". An F() update: concurrent turns never lose a count. Returns whether the article
    was there to count (it may have been deleted since the answer was chosen)."""
    counter = ARTICLE_COUNTERS[outcome]
    return Article.objects.filter(pk=article_id).update(**{counter: F(counter) + 1}) > 0


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


def article_changed(*, article_id: int) -> None:
    """Every write of an article's words or state ends here, inside the writer's transaction:
    the bot re-reads the article into passages and vectors (`kb.article_changed`, answered by
    bots), and the index stamp moves, so every process serves the edit within seconds."""
    events.ask("kb.article_changed", article_id=article_id)
    kb_index_bump()


def kb_index_bump() -> None:
    """The knowledge base changed (an article's text, status or review date): each process's
    index compares this stamp once a second and reloads when it moved."""
    KnowledgeBaseSettings.current()
    KnowledgeBaseSettings.objects.filter(pk=1).update(index_version=F("index_version") + 1)


def article_passages_store(*, article_id: int, passages: Sequence[tuple[int, str, str, bytes]], encoder: str) -> None:
    """An article's passages as (position, heading, text, vector), replacing the old ones."""
    with transaction.atomic():
        ArticlePassage.objects.filter(article_id=article_id).delete()
        ArticlePassage.objects.bulk_create(
            ArticlePassage(article_id=article_id, position=p, heading=h[:200], text=t, vector=v, encoder=encoder)
            for p, h, t, v in passages
        )


def kb_answer_log(
    *,
    conversation_id,
    question: str,
    article_id: int,
    passage: str,
    score: float,
    kind: str,
    counted: bool = False,
) -> KnowledgeAnswer | None:
    """An answer given (or an article offered among choices) from the knowledge base. None
    when the article was deleted meanwhile (a process's index is up to a second behind).
    `counted`: the caller's `article_count` just found it, so it is not looked up again."""
    if not counted and not Article.objects.filter(pk=article_id).exists():
        return None
    return KnowledgeAnswer.objects.create(
        conversation_id=conversation_id,
        question=question[:1000],
        article_id=article_id,
        passage=passage,
        score=score,
        kind=kind,
    )


# An answer served, counted and logged in one statement on PostgreSQL (the ORM path takes two
# round trips and two commits); nothing is logged when the article is gone.
_SERVED = f"""
WITH counted AS (
    UPDATE {Article._meta.db_table} SET times_served = times_served + 1 WHERE id = %(article_id)s RETURNING id
)
INSERT INTO {KnowledgeAnswer._meta.db_table}
    (conversation_id, question, article_id, passage, score, kind, outcome, created_at)
SELECT %(conversation_id)s, %(question)s, id, %(passage)s, %(score)s, 'answer', %(outcome)s, %(now)s FROM counted
"""


def kb_answer_served(*, conversation_id, question: str, article_id: int, passage: str, score: float) -> bool:
    """The bot answered from an article: the article's served count goes up and the answer is
    logged (content performance, metrics.md). False when the article was deleted meanwhile
    (a process's index is up to a second behind): then nothing is written."""
    if connection.vendor != "postgresql":
        if not article_count(article_id=article_id, outcome="served"):
            return False
        kb_answer_log(
            conversation_id=conversation_id,
            question=question,
            article_id=article_id,
            passage=passage,
            score=score,
            kind="answer",
            counted=True,
        )
        return True
    params = {
        "article_id": article_id,
        "conversation_id": conversation_id,
        "question": question[:1000],
        "passage": passage,
        "score": score,
        "outcome": str(AnswerOutcome.SERVED),
        "now": timezone.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute(_SERVED, params)
        return cursor.rowcount > 0


def kb_answer_outcome(*, conversation_id, outcome: str, article_id: int | None = None) -> int:
    """What came of the conversation's answers that have no outcome yet: the customer's "did
    that help?" (helped, not helped), a person taking over, or the customer leaving."""
    pending = KnowledgeAnswer.objects.filter(
        conversation_id=conversation_id, outcome=AnswerOutcome.SERVED, kind="answer"
    )
    if article_id is not None:
        pending = pending.filter(article_id=article_id)
    return pending.update(outcome=outcome)


# A question joins a gap whose first question is at least this close in meaning (cosine of the
# encoder's sentence vectors): "do you sell garden sheds" and "any sheds for the garden?" are
# one gap, "do you sell garden sheds" and "do you sell gift cards" are not.
GAP_SAME_MEANING = 0.78
GAP_EXAMPLES = 5
_WORDS = re.compile(r"[a-z0-9]+")
_STOP = {"the", "a", "an", "i", "my", "is", "to", "do", "you", "can", "how", "what", "please", "hi", "hello", "me"}


def gap_key(text: str, guessed_intent: str) -> str:
    """Questions worded alike, with the same half-guess, fall into one group (the key when no
    vector is known)."""
    words = sorted({w for w in _WORDS.findall(text.lower()) if w not in _STOP})[:8]
    return f"{guessed_intent}:{' '.join(words)}"[:200]


def gap_record(*, text: str, guessed_intent: str, reason: str, vector: np.ndarray | None = None) -> KnowledgeGap:
    """A question the bot could not answer. With `vector` (the message's meaning, from the
    encoder) it joins the open gap closest in meaning; without, the gap worded alike."""
    if vector is not None:
        near = _nearest_gap(vector)
        if near is not None:
            examples = list(near.examples or [])
            if text[:300] not in examples and text[:300] != near.example[:300] and len(examples) < GAP_EXAMPLES:
                examples.append(text[:300])
            KnowledgeGap.objects.filter(pk=near.pk).update(
                count=F("count") + 1, last_seen=timezone.now(), examples=examples
            )
            near.refresh_from_db()
            return near
        key = "v:" + hashlib.sha1(text.strip().lower().encode()).hexdigest()
    else:
        key = gap_key(text, guessed_intent)
    updated = KnowledgeGap.objects.filter(key=key).update(count=F("count") + 1, last_seen=timezone.now())
    if updated:
        return KnowledgeGap.objects.get(key=key)
    blob = np.asarray(vector, dtype=np.float32).tobytes() if vector is not None else None
    try:
        with transaction.atomic():
            return KnowledgeGap.objects.create(
                key=key, example=text[:1000], guessed_intent=guessed_intent, reason=reason, vector=blob
            )
    except IntegrityError:  # race: the same new question twice at once
        KnowledgeGap.objects.filter(key=key).update(count=F("count") + 1)
        return KnowledgeGap.objects.get(key=key)


def _nearest_gap(vector: np.ndarray) -> KnowledgeGap | None:
    """The open gap (of the 500 last seen) closest in meaning, if close enough."""
    rows = list(
        KnowledgeGap.objects.filter(resolved=False, vector__isnull=False)
        .order_by("-last_seen")
        .values_list("pk", "vector")[:500]
    )
    if not rows:
        return None
    query = np.asarray(vector, dtype=np.float32)
    query = query / max(float(np.linalg.norm(query)), 1e-12)
    matrix = np.stack([np.frombuffer(bytes(v), dtype=np.float32) for _, v in rows])
    if matrix.shape[1] != query.shape[0]:
        return None
    similarity = matrix @ query
    best = int(np.argmax(similarity))
    if similarity[best] < GAP_SAME_MEANING:
        return None
    return KnowledgeGap.objects.get(pk=rows[best][0])


def gap_draft_article(*, gap: KnowledgeGap, who=None) -> Article:
    """One step from a gap to work: a draft article for the owner team of the intent the model
    half-guessed (General otherwise), listing what customers asked. Not served until an editor
    writes it and publishes it."""
    if gap.draft_id:
        return gap.draft
    from django.conf import settings

    owner_team = Queue.objects.filter(name=settings.HELPDESK_DEFAULT_QUEUE).first()
    asked = [gap.example, *(gap.examples or [])]
    body = (
        "Write the answer here, in the words customers should read.\n\n"
        f"## What customers asked ({gap.count} times)\n\n" + "\n".join(f"- {q}" for q in asked)
    )
    with transaction.atomic():
        article = Article.objects.create(
            title=_free_title(gap.example), body=body, status=ArticleStatus.DRAFT, owner_team=owner_team
        )
        gap.draft = article
        gap.save(update_fields=["draft"])
    return article


def _free_title(question: str) -> str:
    base = "Draft: " + question.strip().rstrip("?!. ")[:150]
    title, n = base, 2
    while Article.objects.filter(title__iexact=title).exists():
        title, n = f"{base} ({n})", n + 1
    return title


def conversation_answers_left(*, conversation: Conversation) -> int:
    """The customer left (or the chat closed) with answers still waiting for a word."""
    return kb_answer_outcome(conversation_id=conversation.pk, outcome=AnswerOutcome.LEFT)
