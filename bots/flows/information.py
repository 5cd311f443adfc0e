"""Information intents: answer from the best published, reviewed article, then ask whether it
answered the question (yes: resolved by the bot; no: the likeliest alternatives or a person).
An article past its review date is never served: the owner team's queue takes the question."""

from __future__ import annotations

import re

from .base import TALK_TO_PERSON, YES_NO, Answer, Context, Knowledge, Turn, article_source, as_choice

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
NONE_OF_THESE = {"label": "None of these", "value": "none of these"}
NONE = {"none of these", "none", "none of them", "neither", "no", "nope", "something else"}
ASK_HELPED = "\n\nDid that answer your question?"


def start(ctx: Context) -> Turn:
    if ctx.knowledge is not None and ctx.knowledge.kind != "none":
        return _from_knowledge(ctx.knowledge, ctx.text)
    article = ctx.find_article(ctx.intent) if ctx.find_article else None
    if article is None:
        return Turn(consumed=False)
    if article.is_overdue():
        team = article.owner_team.name if article.owner_team_id else "General"
        return Turn(handoff=(team, "stale_article"), article_id=article.pk)
    summary = as_chat_text(article.body.strip().split("\n\n")[0])
    return Turn(
        reply=f"{summary}{ASK_HELPED}",
        options=YES_NO,
        step="helpful",
        article_id=article.pk,
        memory={"article": article.pk},
        sources=[article_source(article)],
    )


def _from_knowledge(knowledge: Knowledge, question: str) -> Turn:
    if knowledge.kind == "answer":
        best = knowledge.answers[0]
        if best.overdue:
            # Never served past its review date: the question goes to the article's owners.
            return Turn(handoff=(best.owner_team or "General", "stale_article"), article_id=best.article_id)
        others = [a.as_memory() for a in knowledge.others if not a.overdue][:2]
        return _answer(best, others, question)
    choices = list(knowledge.answers[:3])
    return Turn(
        reply="I found a few articles that might answer that. Which one fits your question?",
        options=[{"label": a.title, "value": a.title} for a in choices] + [NONE_OF_THESE],
        step="pick",
        memory={"choices": [a.as_memory() for a in choices], "article": None, "others": [], "question": question},
        offered=tuple(choices),
    )


def _answer(best: Answer, others: list[dict], question: str) -> Turn:
    """The passage in the article's own words, its source, and "did that answer it?"."""
    return Turn(
        reply=f"{as_chat_text(best.passage)}{ASK_HELPED}",
        options=YES_NO,
        step="helpful",
        article_id=best.article_id,
        memory={"article": best.article_id, "others": others, "choices": [], "question": question},
        sources=[best.source()],
        offered=(best,),
    )


def _picked(text: str, choices: list[dict]) -> dict | None:
    answer = as_choice(text)
    for number, kept in enumerate(choices, start=1):
        if answer in (kept["title"].lower(), str(number)):
            return kept
    return None


def resume(ctx: Context) -> Turn:
    if ctx.step == "pick":
        return _resume_pick(ctx)
    answer = ctx.helped(YES, NO)
    if answer == "yes":
        return Turn(
            reply="Great — glad that helped! Have a good day.",
            resolve=True,
            feedback="helped",
            article_id=ctx.memory.get("article"),
        )
    if answer == "no":
        others = [o for o in ctx.memory.get("others") or [] if o["id"] != ctx.memory.get("article")]
        if others:
            # The next best article, or a person: the customer picks.
            return Turn(
                reply="Sorry about that. Is it about this instead, or shall I get a person?",
                options=[{"label": others[0]["title"], "value": others[0]["title"]}, TALK_TO_PERSON],
                step="pick",
                feedback="not_helped",
                article_id=ctx.memory.get("article"),
                memory={"choices": others[:1], "others": others[1:]},
            )
        return Turn(
            reply="Sorry about that. Could you tell me a bit more about what you need, or shall I get a person?",
            options=[TALK_TO_PERSON],
            feedback="not_helped",
            article_id=ctx.memory.get("article"),
        )
    return Turn(consumed=False)


def _resume_pick(ctx: Context) -> Turn:
    choices = ctx.memory.get("choices") or []
    kept = _picked(ctx.text, choices)
    if kept is not None:
        others = [o for o in ctx.memory.get("others") or [] if o["id"] != kept["id"]]
        return _answer(Answer.from_memory(kept), others, ctx.memory.get("question") or ctx.text)
    if ctx.text.strip().lower().rstrip("!.") in NONE:
        return Turn(
            reply="Sorry I couldn't find it. Could you tell me a bit more, or shall I get a person?",
            options=[TALK_TO_PERSON],
            feedback="none_fit",
        )
    return Turn(consumed=False)
