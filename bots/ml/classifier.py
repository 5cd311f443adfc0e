"""One call from text to intent and sentiment: tokenise, encode once, both heads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .encoder import Encoder
from .heads import SoftmaxHead
from .intents import IntentGuess, decide
from .sentiment import SentimentGuess, judge


@dataclass(frozen=True)
class Prediction:
    intent: IntentGuess
    sentiment: SentimentGuess


@dataclass
class Classifier:
    encoder: Encoder
    intent_head: SoftmaxHead
    sentiment_head: SoftmaxHead
    thresholds: dict[str, float]
    default_threshold: float
    margin: float

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        features = self.encoder.encode(list(texts))
        intents = self.intent_head.probabilities(features)
        sentiments = self.sentiment_head.probabilities(features)
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
            )
            for p, s in zip(intents, sentiments, strict=True)
        ]

    def classify_one(self, text: str) -> Prediction:
        return self.classify([text])[0]
