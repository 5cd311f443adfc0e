"""Sentiment: negative | neutral | positive, and a score in -1..1 (P(positive) - P(negative)).

The head ships in the repository (`bots/ml/weights/sentiment.npz`), trained by
`python -m bots.ml.train_sentiment` from TweetEval sentiment and the support-style examples in
`bots/seed/sentiment_support.json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .heads import SoftmaxHead

LABELS = ("negative", "neutral", "positive")
WEIGHTS = Path(__file__).resolve().parent / "weights" / "sentiment.npz"


@dataclass(frozen=True)
class SentimentGuess:
    label: str
    score: float


def load_head(path: Path = WEIGHTS) -> SoftmaxHead:
    return SoftmaxHead.from_bytes(path.read_bytes())


def judge(head: SoftmaxHead, probabilities: np.ndarray) -> SentimentGuess:
    by_label = dict(zip(head.classes, probabilities, strict=True))
    score = float(by_label.get("positive", 0.0) - by_label.get("negative", 0.0))
    return SentimentGuess(label=head.classes[int(np.argmax(probabilities))], score=round(score, 4))
