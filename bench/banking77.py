"""BANKING77 accuracy of the intent trainer: full training split, and 10 examples per intent.

    .venv/bin/python bench/banking77.py [--data ../shared/datasets/banking77] [--seeds 5]

The full figure is also printed by the command itself:

    .venv/bin/python manage.py train_intents --csv ../shared/datasets/banking77/train.csv \
        --eval-csv ../shared/datasets/banking77/test.csv --text-column text --label-column category --no-activate

Both call `bots.ml.intents.train_intents`, the function `train_intents` uses.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402


def read(path: Path) -> tuple[list[str], list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], [r["category"] for r in rows]


class Cached:
    """Encodes each distinct text once across the runs (the trainer calls encode repeatedly)."""

    def __init__(self, encoder) -> None:
        self.encoder = encoder
        self.engine = encoder.engine
        self.memo: dict[str, np.ndarray] = {}

    def encode(self, texts):
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            for text, row in zip(missing, self.encoder.encode(missing), strict=True):
                self.memo[text] = row
        return np.stack([self.memo[t] for t in texts])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets" / "banking77")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--shots", type=int, default=10)
    args = parser.parse_args()

    from bots.ml.encoder import load_encoder
    from bots.ml.intents import train_intents

    encoder = Cached(load_encoder(threads=2))
    train_texts, train_labels = read(args.data / "train.csv")
    test_texts, test_labels = read(args.data / "test.csv")

    started = time.perf_counter()
    full = train_intents(
        encoder, train_texts, train_labels, eval_texts=test_texts, eval_labels=test_labels, oos_label=None
    )
    print(
        f"full_train_accuracy: {full.metrics['accuracy']:.4f}  macro_f1: {full.metrics['macro_f1']:.4f}  "
        f"({full.training_size} examples, view {full.head.view}, {time.perf_counter() - started:.0f} s with encoding)"
    )

    labels_a = np.asarray(train_labels)
    scores = []
    for seed in range(args.seeds):
        rng = np.random.default_rng(seed)
        rows = [
            int(i)
            for label in np.unique(labels_a)
            for i in rng.choice(np.where(labels_a == label)[0], args.shots, replace=False)
        ]
        run = train_intents(
            encoder,
            [train_texts[i] for i in rows],
            [train_labels[i] for i in rows],
            eval_texts=test_texts,
            eval_labels=test_labels,
            oos_label=None,
        )
        scores.append(run.metrics["accuracy"])
        print(f"  {args.shots}-shot seed {seed}: {run.metrics['accuracy']:.4f} (view {run.head.view})")
    print(
        f"{args.shots}_shot_accuracy_mean: {statistics.mean(scores):.4f} over {args.seeds} seeds "
        f"(min {min(scores):.4f}, max {max(scores):.4f})"
    )


if __name__ == "__main__":
    main()
