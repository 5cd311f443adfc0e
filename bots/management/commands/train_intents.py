"""python manage.py train_intents [--csv PATH --text-column C --label-column C] [--eval-csv PATH]
[--oos-label L] [--no-activate] [--force]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bots.services.training import database_examples, read_csv, train_and_store


class Command(BaseCommand):
    help = "Train the intent model (from the database, or a CSV file) and report hold-out figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", type=Path, help="train from this file instead of the database")
        parser.add_argument("--text-column", default="text")
        parser.add_argument("--label-column", default="label")
        parser.add_argument("--eval-csv", type=Path, help="evaluate on this file (same columns)")
        parser.add_argument("--oos-label", default=None, help="the out-of-scope class's label")
        parser.add_argument("--no-activate", action="store_true", help="only evaluate; store nothing")
        parser.add_argument("--force", action="store_true", help="activate even if the figures regress")

    def handle(
        self,
        *args,
        csv: Path | None,
        text_column: str,
        label_column: str,
        eval_csv: Path | None,
        oos_label: str | None,
        no_activate: bool,
        force: bool,
        **options,
    ) -> None:
        try:
            if csv:
                texts, labels = read_csv(csv, text_column, label_column)
                source = f"csv:{csv.name}"
            else:
                texts, labels = database_examples()
                source = "database"
                oos_label = oos_label or "out_of_scope"
            eval_texts = eval_labels = None
            if eval_csv:
                eval_texts, eval_labels = read_csv(eval_csv, text_column, label_column)
            outcome = train_and_store(
                texts=texts,
                labels=labels,
                eval_texts=eval_texts,
                eval_labels=eval_labels,
                oos_label=oos_label,
                source=source,
                activate=not no_activate,
                force=force,
            )
        except (ValueError, OSError) as error:
            raise CommandError(str(error)) from error
        metrics = outcome.result.metrics
        for key in ("accuracy", "macro_f1", "in_scope_accuracy", "oos_recall"):
            if key in metrics:
                self.stdout.write(f"{key}: {metrics[key]:.4f}")
        for row in metrics.get("oos_curve", []):
            self.stdout.write(
                f"  threshold {row['threshold']:.1f}: in_scope_accuracy {row['in_scope_accuracy']:.4f}, "
                f"oos_recall {row['oos_recall']:.4f}"
            )
        self.stdout.write(f"evaluated_on: {metrics['n']} {'eval-csv' if eval_csv else 'hold-out'} examples")
        self.stdout.write(f"training_size: {outcome.result.training_size}")
        self.stdout.write(f"training_time_seconds: {outcome.result.seconds:.1f}")
        if outcome.version is not None:
            state = "activated" if outcome.activated else "stored, not activated"
            self.stdout.write(f"version: {outcome.version.pk} ({state}: {outcome.reason})")
        else:
            self.stdout.write(f"version: none ({outcome.reason})")
