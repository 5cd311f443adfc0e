"""Reads of the knowledge base. "The article for an intent", read by the bot's answers
(bots/services/flows.py) and the agent's assist panel (helpdesk/selectors/assist.py) alike.

An article answers the intents a supervisor tagged it with: the bot's fallback when its
search of the knowledge base (bots/services/knowledge.py, which reads the customer's words)
finds nothing, and the assist panel's when the search is unavailable. Only published
articles count; one past its review date is never served: the bot sends the question to the
article's owner team instead, and assist leaves it out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q

from ..infrastructure import events
from ..models import AnswerOutcome, Article, ArticleStatus, KnowledgeAnswer, KnowledgeGap


def articles_for_question(intent: str, *, text: str = "", fresh_only: bool = True) -> list[Article]:
    """The articles that answer a question, best first; fresh ones before overdue ones when
    `fresh_only` is off."""
    if not intent:
        return []
    candidates = [
        article
        for article in Article.objects.filter(status=ArticleStatus.PUBLISHED).select_related("owner_team", "owner")
        if intent in (article.intents or [])
    ]
    fresh = [a for a in candidates if not a.is_overdue()]
    return fresh if fresh_only else fresh + [a for a in candidates if a.is_overdue()]


def article_for_question(intent: str, *, text: str = "") -> Article | None:
    """The article the bot answers from: the best fresh one, else an overdue one, so the caller
    routes the question to its owners instead of serving it."""
    found = articles_for_question(intent=intent, text=text, fresh_only=False)
    return found[0] if found else None


@dataclass(frozen=True)
class Performance:
    """What came of an article's answers (KnowledgeAnswer rows)."""

    served: int = 0  # answered directly from it
    offered: int = 0  # offered among choices
    helped: int = 0
    not_helped: int = 0
    handed_off: int = 0  # a person took over after it, before the customer said
    left: int = 0  # the customer left without a word
    last_served: datetime | None = None

    @property
    def helped_rate(self) -> float | None:
        answered = self.helped + self.not_helped
        return self.helped / answered if answered else None


def article_performance(
    article_ids: Iterable[int] | None = None, *, since: datetime | None = None, until: datetime | None = None
) -> dict[int, Performance]:
    """Content performance per article (answers given from `since` until before `until`), in
    one grouped query."""
    rows = KnowledgeAnswer.objects.all()
    if article_ids is not None:
        rows = rows.filter(article_id__in=list(article_ids))
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    counted = rows.values("article_id").annotate(
        served=Count("id", filter=Q(kind="answer")),
        offered=Count("id", filter=Q(kind="choice")),
        helped=Count("id", filter=Q(outcome=AnswerOutcome.HELPED)),
        not_helped=Count("id", filter=Q(outcome=AnswerOutcome.NOT_HELPED)),
        handed_off=Count("id", filter=Q(outcome=AnswerOutcome.HANDED_OFF)),
        left=Count("id", filter=Q(outcome=AnswerOutcome.LEFT)),
        last_served=Max("created_at", filter=Q(kind="answer")),
    )
    return {row.pop("article_id"): Performance(**row) for row in counted if row["article_id"] is not None}


def content_performance(*, since: datetime, until: datetime, limit: int = 10) -> list[dict]:
    """The most served articles of a period with what came of their answers, for analytics."""
    performance = article_performance(since=since, until=until)
    titles = dict(Article.objects.filter(pk__in=performance).values_list("pk", "title"))
    ranked = sorted(performance.items(), key=lambda item: (-item[1].served, -item[1].offered))[:limit]
    return [{"title": titles.get(pk, "?"), "performance": p} for pk, p in ranked]


def open_gaps(limit: int = 5) -> list[KnowledgeGap]:
    return list(KnowledgeGap.objects.filter(resolved=False).order_by("-count", "-last_seen")[:limit])


def intent_choices() -> list[tuple[str, str]]:
    """The intents an article may answer, as (name, description), for the admin's form. The
    bot owns the intents, so it is asked (`kb.intents`); none when no bot answers."""
    return [choice for answer in events.ask("kb.intents") for choice in answer]
