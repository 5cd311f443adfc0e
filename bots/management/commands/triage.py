"""python manage.py triage < messages.txt: one JSON line per customer message, decided exactly
as the live chat decides a conversation's first message: the real turn runs on a conversation
that is rolled back afterwards (bots/services/triage.py).

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
from bots.services.triage import first_turn
from helpdesk.errors import ServiceError


class Command(BaseCommand):
    help = "Classify and route customer messages read from stdin, one per line."

    def handle(self, *args, **options) -> None:
        try:
            runtime.current()
        except runtime.NoActiveModel as error:
            raise CommandError(str(error)) from error
        for line in sys.stdin:
            text = line.strip()
            if not text:
                continue
            try:
                turn = first_turn(text)
            except ServiceError as refused:  # the chat refuses it too (a body over the size limit)
                self.stdout.write(json.dumps({"text": text, "error": refused.detail}, ensure_ascii=False))
                continue
            reading = turn.reading
            self.stdout.write(
                json.dumps(
                    {
                        "text": text,
                        "intent": reading.intent,
                        "intent_confidence": round(reading.intent_confidence, 4),
                        "sentiment": reading.sentiment,
                        "sentiment_score": reading.sentiment_score,
                        "route": turn.route,
                        "queue": turn.queue,
                        "trigger": turn.trigger,
                        "answer": turn.answer,
                        "choices": turn.choices,
                        "emotions": reading.emotions,
                        "frustration": reading.frustration,
                    },
                    ensure_ascii=False,
                )
            )
