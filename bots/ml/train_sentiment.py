"""Train the shipped sentiment head.

    python -m bots.ml.train_sentiment [--data ../shared/datasets/tweeteval] [--out bots/ml/weights/sentiment.npz]

TweetEval sentiment train split, plus `bots/seed/sentiment_support.json` (support-chat
examples written for this project, weighted up so a tweet-heavy head still reads an angry
customer right). Prints TweetEval test macro-recall (its official metric) and accuracy on the
support examples. The data set's text never enters the repository; only the head does.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from .encoder import load_encoder
from .heads import train_softmax
from .metrics import accuracy, macro_recall
from .sentiment import LABELS, WEIGHTS

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "tweeteval"
SUPPORT = ROOT / "bots" / "seed" / "sentiment_support.json"


def read_split(folder: Path, split: str) -> tuple[list[str], list[str]]:
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")
    return texts, [LABELS[int(x)] for x in labels]


def support_examples() -> tuple[list[str], list[str]]:
    data = json.loads(SUPPORT.read_text(encoding="utf-8"))
    texts, labels = [], []
    for label in LABELS:
        texts += data[label]
        labels += [label] * len(data[label])
    return texts, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--support-weight", type=float, default=5.0)
    args = parser.parse_args()
    started = time.perf_counter()
    encoder = load_encoder(threads=2)
    folder = args.data / "sentiment"
    train_texts, train_labels = read_split(folder, "train")
    test_texts, test_labels = read_split(folder, "test")
    support_texts, support_labels = support_examples()
    # Hold a fifth of the support examples out to report on them honestly.
    rng = np.random.default_rng(7)
    order = rng.permutation(len(support_texts))
    held = set(order[: len(order) // 5].tolist())
    sup_train = [i for i in range(len(support_texts)) if i not in held]
    sup_held = sorted(held)
    features = encoder.encode(train_texts + [support_texts[i] for i in sup_train])
    labels = train_labels + [support_labels[i] for i in sup_train]
    weights = np.concatenate([np.ones(len(train_texts)), np.full(len(sup_train), args.support_weight)])
    head = train_softmax(features, labels, c=args.c, sample_weight=weights)
    test_predicted = [head.classes[i] for i in head.probabilities(encoder.encode(test_texts)).argmax(1)]
    held_features = encoder.encode([support_texts[i] for i in sup_held])
    held_predicted = [head.classes[i] for i in head.probabilities(held_features).argmax(1)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(head.to_bytes())
    figures = {
        "tweeteval_test_macro_recall": round(macro_recall(test_labels, test_predicted), 4),
        "tweeteval_test_accuracy": round(accuracy(test_labels, test_predicted), 4),
        "support_heldout_accuracy": round(accuracy([support_labels[i] for i in sup_held], held_predicted), 4),
        "training_size": len(labels),
        "c": args.c,
        "support_weight": args.support_weight,
    }
    args.out.with_suffix(".json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"tweeteval_test_macro_recall: {macro_recall(test_labels, test_predicted):.4f}")
    print(f"tweeteval_test_accuracy: {accuracy(test_labels, test_predicted):.4f}")
    print(f"support_heldout_accuracy: {accuracy([support_labels[i] for i in sup_held], held_predicted):.4f}")
    print(f"training_size: {len(labels)}")
    print(f"training_time_seconds: {time.perf_counter() - started:.1f}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
