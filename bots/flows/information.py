"""Information intents: answer from the best published, reviewed article, then ask whether it
answered the question (yes: resolved by the bot; no: the likeliest alternatives or a person).
An article past its review date is never served: the owner team's queue takes the question."""

from __future__ import annotations

import re

from .base import TALK_TO_PERSON, YES_NO, Context, Turn

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
# Emphasis marks: stars and backticks anywhere, underscores only at a word's edge (snake_case
# and URLs keep theirs).
_MARKS = re.compile(r"\*\*|\*|`|(?<!\w)__?|__?(?!\w)")
_URL = re.compile(r"(https?://\S+)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*", re.MULTILINE)
_TAGS = re.compile(r"<[^>]+>")


def as_chat_text(markdown: str) -> str:
    """An article's Markdown as plain chat text: links become "text (url)", emphasis and
    headings lose their marks, and any HTML is dropped (the chat shows text only anyway)."""
    text = _TAGS.sub("", markdown)
    text = _LINK.sub(r"\1 (\2)", text)
    text = _HEADING.sub("", text)
    parts = _URL.split(text)  # odd items are URLs, left as they are
    return "".join(part if i % 2 else _MARKS.sub("", part) for i, part in enumerate(parts)).strip()


YES = {"yes", "yes thanks", "yes, thanks", "yep", "yeah", "it did", "thanks", "thank you", "perfect", "great"}
NO = {"no", "nope", "not really", "it didn't", "no it didn't", "didn't help"}


def start(ctx: Context) -> Turn:
    article = ctx.find_article(ctx.intent) if ctx.find_article else None
    if article is None:
        return Turn(consumed=False)
    if article.is_overdue():
        team = article.owner_team.name if article.owner_team_id else "General"
        return Turn(handoff=(team, "stale_article"), article_id=article.pk)
    summary = as_chat_text(article.body.strip().split("\n\n")[0])
    return Turn(
        reply=f"{summary}\n\nDid that answer your question?",
        options=YES_NO,
        step="helpful",
        article_id=article.pk,
        memory={"article": article.pk},
    )


def resume(ctx: Context) -> Turn:
    answer = ctx.text.strip().lower().rstrip("!.")
    if answer in YES:
        return Turn(
            reply="Great — glad that helped! Have a good day.",
            resolve=True,
            feedback="helped",
            article_id=ctx.memory.get("article"),
        )
    if answer in NO:
        return Turn(
            reply="Sorry about that. Could you tell me a bit more about what you need, or shall I get a person?",
            options=[TALK_TO_PERSON],
            feedback="not_helped",
            article_id=ctx.memory.get("article"),
        )
    return Turn(consumed=False)
