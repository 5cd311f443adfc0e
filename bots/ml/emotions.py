"""Emotions and frustration: what a customer's words carry besides polarity.

Independent yes/no heads over the same encoder features (one encode serves every head), so a
message can be confused and annoyed at once. `frustration` is its own head, trained on "the
writer is angry, annoyed, disappointed or disapproving", not a sum of the others: the
knowledge-base spec's §3 asks for how likely the customer is frustrated or angry with the
service. The heads ship in the repository (`bots/ml/weights/emotions.npz`), trained by
`python -m bots.ml.train_emotions` from GoEmotions.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .heads import select_view

EMOTIONS = ("anger", "annoyance", "confusion", "disappointment", "fear", "gratitude", "joy", "relief", "sadness")
# GoEmotions labels that together mean "frustrated or angry".
FRUSTRATED = ("anger", "annoyance", "disappointment", "disapproval")
LABELS = (*EMOTIONS, "frustration")
WEIGHTS = Path(__file__).resolve().parent / "weights" / "emotions.npz"


@dataclass(frozen=True)
class EmotionHead:
    labels: tuple[str, ...]
    weights: np.ndarray  # [features, labels]
    bias: np.ndarray  # [labels]
    view: str = "full"

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        logits = select_view(features, self.view) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            labels=np.array(self.labels),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            view=np.array(self.view),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> EmotionHead:
        data = np.load(io.BytesIO(blob), allow_pickle=False)
        return cls(
            labels=tuple(str(x) for x in data["labels"]),
            weights=data["weights"],
            bias=data["bias"],
            view=str(data["view"]),
        )


@dataclass(frozen=True)
class EmotionGuess:
    emotions: dict[str, float]  # each label's probability, 0..1
    frustration: float  # 0..1


def load_emotion_head(path: Path = WEIGHTS) -> EmotionHead:
    return EmotionHead.from_bytes(path.read_bytes())


def read_emotions(head: EmotionHead, probabilities: np.ndarray) -> EmotionGuess:
    by_label = dict(zip(head.labels, (float(p) for p in probabilities), strict=True))
    return EmotionGuess(
        emotions={label: round(by_label[label], 3) for label in EMOTIONS if label in by_label},
        frustration=round(by_label.get("frustration", 0.0), 3),
    )
