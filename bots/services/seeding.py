from __future__ import annotations

from django.db import transaction

from helpdesk.models import Queue

from ..models import ExampleSource, Intent, IntentExample
from ..seed import INTENTS, seed_examples
from .patterns import patterns_seed


@transaction.atomic
def intents_seed() -> int:
    """Create the default intents and their seed examples; idempotent. Supervisors' edits to
    thresholds, queues and their own examples are kept."""
    examples = seed_examples()
    created = 0
    for name, (tier, queue_name, description) in INTENTS.items():
        queue = Queue.objects.filter(name=queue_name).first() if queue_name else None
        intent, new = Intent.objects.get_or_create(
            name=name, defaults={"tier": tier, "default_queue": queue, "description": description}
        )
        if not new and intent.default_queue_id is None and queue is not None:
            intent.default_queue = queue
            intent.save(update_fields=["default_queue"])
        existing = set(intent.examples.values_list("text", flat=True))
        fresh = [t for t in dict.fromkeys(examples.get(name, [])) if t not in existing]
        IntentExample.objects.bulk_create(
            [IntentExample(intent=intent, text=t, source=ExampleSource.SEED) for t in fresh]
        )
        created += len(fresh)
    return created


def seed_demo_hook(*, stdout) -> None:
    """`seed_demo`'s part for the bot: the default intents, the response patterns, and a first
    trained model."""
    from ..models import ModelKind, ModelVersion
    from .training import train_from_database

    created = intents_seed()
    register_sentiment_version()
    stdout.write(f"  intents: {Intent.objects.count()} ({created} new examples)")
    stdout.write(f"  response patterns: {patterns_seed()} new")
    if created or not ModelVersion.objects.filter(kind=ModelKind.INTENT, active=True).exists():
        outcome = train_from_database(force=True, note="seed_demo")
        stdout.write(
            f"  intent model v{outcome.version.pk}: hold-out accuracy {outcome.result.metrics['accuracy']:.3f}"
        )


def register_sentiment_version() -> None:
    """Record the shipped sentiment head as a model version (its figures come from the run
    of `python -m bots.ml.train_sentiment` that wrote it)."""
    import json

    from ..ml.sentiment import WEIGHTS
    from ..models import ModelKind, ModelVersion

    head = WEIGHTS.read_bytes()
    if ModelVersion.objects.filter(kind=ModelKind.SENTIMENT, head=head).exists():
        return
    figures_path = WEIGHTS.with_suffix(".json")
    figures = json.loads(figures_path.read_text()) if figures_path.exists() else {}
    ModelVersion.objects.filter(kind=ModelKind.SENTIMENT, active=True).update(active=False)
    ModelVersion.objects.create(
        kind=ModelKind.SENTIMENT,
        training_size=int(figures.get("training_size", 0)),
        classes=["negative", "neutral", "positive"],
        metrics={k: v for k, v in figures.items() if k.startswith(("tweeteval", "support"))},
        settings={"source": "bots/ml/weights/sentiment.npz", "c": figures.get("c")},
        head=head,
        active=True,
        note="shipped head",
    )
