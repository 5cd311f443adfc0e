"""python manage.py kb_calibrate QUESTIONS.jsonl [--apply ANSWER_AT]

Asks the knowledge base (as it is in this database, published articles only) every question
of a set, one JSON object per line: `{"q": "...", "article": "<title>" | null}` (null: no
article answers it). Prints, and stores for the admin's knowledge-base settings page, the
trade-off at each "answer at" threshold: how many questions are answered from the right
article, answered or offered, answered from a wrong one, and how many unanswerable questions
get an answer anyway. `--apply` saves a new "answer at" threshold after reading it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bots.ml.retrieval import measure, trade_off
from bots.services.knowledge import embed, index_current, verified
from helpdesk.models import KnowledgeBaseSettings
from helpdesk.services.kb import kb_index_bump


class Command(BaseCommand):
    help = "Measure the knowledge base's answers on a question set; store the trade-off for the admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("questions", type=Path)
        parser.add_argument("--apply", type=float, help="save this 'answer at' threshold")

    def handle(self, *args, questions: Path, apply: float | None, **options) -> None:
        try:
            rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, ValueError) as error:
            raise CommandError(f"{questions}: {error}") from error
        loaded = index_current()
        by_title = {a.title.lower(): a.id for a in loaded.articles.values()}
        missing = sorted({r["article"] for r in rows if r.get("article") and r["article"].lower() not in by_title})
        if missing:
            raise CommandError(f"these articles are not published here: {', '.join(missing)}")
        expected = [by_title[r["article"].lower()] if r.get("article") else None for r in rows]
        vectors = embed([r["q"] for r in rows])
        ranked = [
            verified(r["q"], loaded.index.search(r["q"], v, loaded.weights, top=5), loaded, lazy=False)
            for r, v in zip(rows, vectors, strict=True)
        ]
        now = measure(expected, ranked, loaded.weights)
        curve = trade_off(expected, ranked, loaded.weights)
        self.stdout.write(f"{now.answerable} answerable and {now.unanswerable} unanswerable questions")
        self.stdout.write("answer at | right | right or offered | wrong | unanswerable answered")
        for point in curve:
            mark = "  <- now" if abs(point["answer_at"] - loaded.weights.answer_at) < 1e-6 else ""
            self.stdout.write(
                f"  {point['answer_at']:.2f}   | {point['direct_right']:5.1%} | {point['offered_right']:5.1%}"
                f"          | {point['direct_wrong']:5.1%} | {point['unanswerable_answered']:5.1%}{mark}"
            )
        settings_row = KnowledgeBaseSettings.current()
        settings_row.curve, settings_row.curve_source = curve, f"{questions.name} ({len(rows)} questions)"
        if apply is not None:
            settings_row.answer_at = apply
            settings_row.offer_at = min(settings_row.offer_at, apply)
            self.stdout.write(f"answer at {apply:.2f} saved")
        settings_row.save()
        kb_index_bump()
        if apply is not None:
            after = measure(expected, ranked, replace(loaded.weights, answer_at=apply))
            self.stdout.write(f"now: {after.direct_right:.1%} answered right, {after.direct_wrong:.1%} wrong")
