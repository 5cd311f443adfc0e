"""python manage.py triage < messages.txt: one JSON line per customer message, decided exactly
as the live chat decides a conversation's first message (bots/services/deciding.py).

Each line carries knowledge-base.md §3's fields: `answer` (the article the bot would answer
from directly, when the message's intent is answered from the knowledge base), `choices`
(the articles it would offer instead: none yet, the bot answers from one article or none),
`emotions` and `frustration`."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from bots import runtime
from bots.flows import flow_for, information
from bots.services.deciding import decide_on_message, message_reading
from helpdesk.selectors.kb import articles_for_question


def article_answer(intent: str, confidence: float) -> dict | None:
    """The article the information flow would serve (a fresh one: an overdue one's question
    goes to its owners instead), with the intent's confidence as its score."""
    fresh = articles_for_question(intent) if flow_for(intent) is information else []
    if not fresh:
        return None
    return {"article_id": str(fresh[0].pk), "title": fresh[0].title, "score": round(confidence, 4)}


class Command(BaseCommand):
    help = "Classify and route customer messages read from stdin, one per line."

    def handle(self, *args, **options) -> None:
        try:
            loaded = runtime.current()
        except runtime.NoActiveModel as error:
            raise CommandError(str(error)) from error
        lines = [line.strip() for line in sys.stdin if line.strip()]
        for start in range(0, len(lines), 64):
            batch = lines[start : start + 64]
            for text, prediction in zip(batch, loaded.classifier.classify(batch), strict=True):
                intent = prediction.intent
                decision = decide_on_message(message_reading(text, prediction, loaded))
                answer = article_answer(intent.intent, intent.confidence) if decision.route == "bot" else None
                emotions = prediction.emotions
                self.stdout.write(
                    json.dumps(
                        {
                            "text": text,
                            "intent": intent.intent,
                            "intent_confidence": round(intent.confidence, 4),
                            "sentiment": prediction.sentiment.label,
                            "sentiment_score": prediction.sentiment.score,
                            "route": decision.route,
                            "queue": decision.handoff_queue,
                            "trigger": decision.trigger,
                            "answer": answer,
                            "choices": [],
                            "emotions": emotions.emotions if emotions else {},
                            "frustration": emotions.frustration if emotions else None,
                        },
                        ensure_ascii=False,
                    )
                )
