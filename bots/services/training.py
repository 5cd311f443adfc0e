"""Training runs: from the database's intents, or from a file; stored as model versions."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from helpdesk.security.redaction import redact

from .. import runtime
from ..ml.encoder import encoder_id, load_encoder
from ..ml.intents import OUT_OF_SCOPE, Progress, TrainingResult, train_intents
from ..models import IntentExample, ModelKind, ModelVersion

# A new version may be this much worse on its hold-out and still count as no regression:
# hold-outs of a few hundred examples move by about this much between runs.
REGRESSION_TOLERANCE = 0.01


@dataclass
class Outcome:
    version: ModelVersion | None
    result: TrainingResult
    activated: bool
    reason: str


def training_texts(texts: list[str]) -> list[str]:
    """Texts as the model may learn them: with HELPDESK_REDACT_PII on, email addresses, card
    and phone numbers become [email], [card], [phone]. Applied wherever training text is
    assembled, so examples stored before the option was on are covered too."""
    return [redact(text) for text in texts] if settings.HELPDESK_REDACT_PII else list(texts)


def database_examples() -> tuple[list[str], list[str]]:
    rows = IntentExample.objects.filter(intent__enabled=True).values_list("text", "intent__name").order_by("pk")
    texts = training_texts([t for t, _ in rows])
    labels = [label for _, label in rows]
    return texts, labels


def read_csv(path: Path, text_column: str, label_column: str) -> tuple[list[str], list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {text_column, label_column} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: no column(s) {', '.join(sorted(missing))}; found {reader.fieldnames}")
        rows = [(r[text_column], r[label_column]) for r in reader if r[text_column].strip()]
    return training_texts([t for t, _ in rows]), [label for _, label in rows]


def should_activate(new: dict, classes: list[str], active: ModelVersion | None) -> tuple[bool, str]:
    if active is None:
        return True, "no active version"
    if sorted(active.classes) != sorted(classes):
        return False, "the intents differ from the active version's; use --force to switch"
    for key in ("accuracy", "macro_f1"):
        if new.get(key, 0.0) < active.metrics.get(key, 0.0) - REGRESSION_TOLERANCE:
            return False, f"{key} {new.get(key, 0):.4f} regresses from {active.metrics.get(key, 0):.4f}"
    return True, "no regression"


def train_and_store(
    *,
    texts: list[str],
    labels: list[str],
    eval_texts: list[str] | None = None,
    eval_labels: list[str] | None = None,
    oos_label: str | None = OUT_OF_SCOPE,
    descriptions: dict[str, str] | None = None,
    source: str,
    activate: bool = True,
    force: bool = False,
    note: str = "",
    progress: Progress | None = None,
) -> Outcome:
    """Train, store the version, and activate it when it does not regress (or when forced).
    `progress` hears each step (a training job's row, bots/services/training_jobs.py)."""
    if len(set(labels)) < 2:
        raise ValueError("training needs at least two intents with examples")
    encoder = load_encoder(threads=settings.HELPDESK_MODEL_THREADS)
    threshold = settings.HELPDESK_INTENT_DEFAULT_THRESHOLD if oos_label else 0.0
    margin = settings.HELPDESK_INTENT_MARGIN if oos_label else 0.0
    result = train_intents(
        encoder,
        texts,
        labels,
        eval_texts=eval_texts,
        eval_labels=eval_labels,
        oos_label=oos_label,
        threshold=threshold,
        margin=margin,
        descriptions=descriptions,
        progress=progress,
    )
    if not activate:
        return Outcome(None, result, False, "evaluation only (--no-activate)")
    classes = list(result.head.classes)
    if progress:
        progress(0.97, "storing the version")
    with transaction.atomic():
        # Lock the active row: two trainings finishing together must not both activate.
        active = ModelVersion.objects.select_for_update().filter(kind=ModelKind.INTENT, active=True).first()
        ok, reason = should_activate(result.metrics, classes, active)
        if force and not ok:
            ok, reason = True, f"forced ({reason})"
        version = ModelVersion.objects.create(
            kind=ModelKind.INTENT,
            training_size=result.training_size,
            classes=classes,
            metrics={k: round(v, 4) if isinstance(v, float) else v for k, v in result.metrics.items()},
            settings={
                "source": source,
                "view": result.head.view,
                "engine": encoder.engine,
                "encoder": encoder_id(),
                "seconds": round(result.seconds, 1),
            },
            head=result.head.to_bytes(),
            forced=force,
            note=note[:300],
        )
        if ok:
            ModelVersion.objects.filter(kind=ModelKind.INTENT, active=True).update(active=False)
            ModelVersion.objects.filter(pk=version.pk).update(active=True)
            version.active = True
            transaction.on_commit(runtime.forget)
    return Outcome(version, result, ok, reason)


def train_from_database(
    *, force: bool = False, activate: bool = True, note: str = "", progress: Progress | None = None
) -> Outcome:
    from ..models import Intent

    texts, labels = database_examples()
    descriptions = dict(Intent.objects.filter(enabled=True).values_list("name", "description"))
    return train_and_store(
        texts=texts,
        labels=labels,
        descriptions=descriptions,
        source="database",
        activate=activate,
        force=force,
        note=note,
        progress=progress,
    )
