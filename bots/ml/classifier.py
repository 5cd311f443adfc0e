"""One call from text to intent, sentiment and emotions: tokenise, encode once, every head."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .emotions import EmotionGuess, EmotionHead, read_emotions
from .encoder import HIDDEN, Encoder
from .heads import SoftmaxHead
from .intents import IntentGuess, decide
from .sentiment import SentimentGuess, judge


@dataclass(frozen=True)
class Prediction:
    intent: IntentGuess
    sentiment: SentimentGuess
    emotions: EmotionGuess | None = None
    # The message's sentence vector (the encoder's block 0): the knowledge base's search reads
    # it, so one encode serves every head and the retrieval.
    vector: np.ndarray | None = None


@dataclass
class Classifier:
    encoder: Encoder
    intent_head: SoftmaxHead
    sentiment_head: SoftmaxHead
    thresholds: dict[str, float]
    default_threshold: float
    margin: float
    emotion_head: EmotionHead | None = None

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        features = self.encoder.encode(list(texts))
        intents = self.intent_head.probabilities(features)
        sentiments = self.sentiment_head.probabilities(features)
        emotions = self.emotion_head.probabilities(features) if self.emotion_head is not None else [None] * len(texts)
        return [
            Prediction(
                intent=decide(
                    p,
                    self.intent_head.classes,
                    thresholds=self.thresholds,
                    default_threshold=self.default_threshold,
                    margin=self.margin,
                ),
                sentiment=judge(self.sentiment_head, s),
                emotions=read_emotions(self.emotion_head, e) if e is not None else None,
                vector=f[:HIDDEN],
            )
            for p, s, e, f in zip(intents, sentiments, emotions, features, strict=True)
        ]

    def classify_one(self, text: str) -> Prediction:
        return self.classify([text])[0]
