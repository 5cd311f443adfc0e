"""python manage.py triage < messages.txt: one JSON line per customer message, decided exactly
as the live chat decides a conversation's first message (bots/services/deciding.py)."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from bots import runtime
from bots.services.deciding import decide_on_message, message_reading


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
                        },
                        ensure_ascii=False,
                    )
                )
