"""The one rule for "the article for a question", read by the bot's answers
(bots/services/flows.py) and the agent's assist panel (helpdesk/selectors/assist.py) alike.

Today an article answers the intents a supervisor tagged it with; the knowledge-base work
replaces this inside (retrieval over passages, with `text`) without changing its callers.
Only published articles count; one past its review date is never served: the bot sends the
question to the article's owner team instead, and assist leaves it out.
"""

from __future__ import annotations

from ..models import Article, ArticleStatus


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
