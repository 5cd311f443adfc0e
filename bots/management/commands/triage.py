"""python manage.py triage < messages.txt: one JSON line per customer message, decided exactly
as the live chat decides a conversation's first message (bots/services/deciding.py).

Each line carries knowledge-base.md §3's fields: `answer` (the article the bot would answer
from directly), `choices` (the two or three it would offer to pick from when no single one is
clear), `emotions` and `frustration`. An article past its review is never served: its
question goes to the owners' queue, so the line says `human` with the trigger
`stale_article`."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from bots import runtime
from bots.flows import flow_for, information
from bots.flows.base import Answer
from bots.services.deciding import decide_on_message, message_reading
from bots.services.knowledge import knowledge_for, searched
from helpdesk.selectors.kb import article_for_question


def _article(answer: Answer) -> dict:
    return {"article_id": str(answer.article_id), "title": answer.title, "score": answer.score}


def knowledge_fields(text: str, prediction) -> tuple[dict | None, list[dict], tuple[str, str] | None]:
    """`answer`, `choices` and a handoff (queue, trigger) as the live turn would find them
    (bots/services/turns.py): the knowledge base first, then an article tagged with the
    message's intent."""
    intent = prediction.intent.intent
    if searched(intent):
        knowledge = knowledge_for(text, vector=prediction.vector, intent=intent)
        if knowledge.kind == "choices":
            return None, [_article(a) for a in knowledge.answers], None
        if knowledge.kind == "answer":
            best = knowledge.answers[0]
            if best.overdue:
                return None, [], (best.owner_team or "General", "stale_article")
            return _article(best), [], None
    if flow_for(intent) is information:
        article = article_for_question(intent)
        if article is not None and article.is_overdue():
            return None, [], (article.owner_team.name if article.owner_team_id else "General", "stale_article")
        if article is not None:
            score = round(prediction.intent.confidence, 4)
            return {"article_id": str(article.pk), "title": article.title, "score": score}, [], None
    return None, [], None


class Command(BaseCommand):
    help = "Classify and route customer messages read from stdin, one per line."

    def handle(self, *args, **options) -> None:
        try:
            loaded = runtime.current()
        except runtime.NoActiveModel as error:
            raise CommandError(str(error)) from error
        lines = [line.strip() for line in sys.stdin if line.strip()]
        # One line at a time, as the live chat reads one message: in a batch the int8 encoder
        # quantises by the whole batch's range, so a line's reading would move with its neighbours.
        for text in lines:
            (prediction,) = loaded.classifier.classify([text])
            intent = prediction.intent
            decision = decide_on_message(message_reading(text, prediction, loaded))
            route, queue, trigger = decision.route, decision.handoff_queue, decision.trigger
            answer, choices = None, []
            if route == "bot":
                answer, choices, stale = knowledge_fields(text, prediction)
                if stale is not None:
                    route, (queue, trigger) = "human", stale
            emotions = prediction.emotions
            self.stdout.write(
                json.dumps(
                    {
                        "text": text,
                        "intent": intent.intent,
                        "intent_confidence": round(intent.confidence, 4),
                        "sentiment": prediction.sentiment.label,
                        "sentiment_score": prediction.sentiment.score,
                        "route": route,
                        "queue": queue,
                        "trigger": trigger,
                        "answer": answer,
                        "choices": choices,
                        "emotions": emotions.emotions if emotions else {},
                        "frustration": emotions.frustration if emotions else None,
                    },
                    ensure_ascii=False,
                )
            )
