"""Intent training and the out-of-scope decision (pure; the caller brings texts and labels)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .encoder import FEATURES, Encoder
from .heads import SoftmaxHead, train_softmax
from .metrics import classification_report, oos_figures

OUT_OF_SCOPE = "out_of_scope"

# How a training reports how far it is: (share done, 0..1; the step in words).
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class IntentGuess:
    intent: str
    confidence: float
    top: list[tuple[str, float]]
    out_of_scope_reason: str | None = None  # "low_confidence" | "small_margin" | "oos_class"


def decide(
    probabilities: np.ndarray,
    classes: Sequence[str],
    *,
    thresholds: dict[str, float],
    default_threshold: float,
    margin: float,
    oos_label: str = OUT_OF_SCOPE,
) -> IntentGuess:
    """The best intent, unless it is not confident enough or too close to the runner-up, in
    which case out-of-scope. `confidence` stays the best intent's probability either way."""
    order = np.argsort(probabilities)[::-1]
    top = [(classes[i], float(probabilities[i])) for i in order[:4]]  # 4: three in scope besides out_of_scope
    best, p1 = top[0]
    p2 = top[1][1] if len(top) > 1 else 0.0
    if best == oos_label:
        return IntentGuess(oos_label, p1, top, "oos_class")
    if p1 < thresholds.get(best, default_threshold):
        return IntentGuess(oos_label, p1, top, "low_confidence")
    if p1 - p2 < margin:
        return IntentGuess(oos_label, p1, top, "small_margin")
    return IntentGuess(best, p1, top)


@dataclass
class TrainingResult:
    head: SoftmaxHead
    metrics: dict
    training_size: int
    seconds: float
    holdout: dict = field(default_factory=dict)


def stratified_split(labels: Sequence[str], fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, holdout): `fraction` of each class held out, at least one per class with
    three or more examples."""
    rng = np.random.default_rng(seed)
    labels_a = np.asarray(labels)
    train, hold = [], []
    for label in np.unique(labels_a):
        ids = np.where(labels_a == label)[0]
        rng.shuffle(ids)
        n_hold = int(round(len(ids) * fraction)) if len(ids) >= 3 else 0
        n_hold = max(n_hold, 1) if len(ids) >= 3 else 0
        hold.extend(ids[:n_hold])
        train.extend(ids[n_hold:])
    return np.array(sorted(train)), np.array(sorted(hold))


def predict_labels(
    head: SoftmaxHead, features: np.ndarray, *, oos_label: str | None, threshold: float, margin: float
) -> list[str]:
    probabilities = head.probabilities(features)
    if not oos_label:
        return [head.classes[i] for i in probabilities.argmax(axis=1)]
    return [
        decide(p, head.classes, thresholds={}, default_threshold=threshold, margin=margin, oos_label=oos_label).intent
        for p in probabilities
    ]


FEW_SHOT_BELOW = 20  # median examples per intent under which the compact view and C=30 are used


def choose_view(labels: Sequence[str]) -> tuple[str, float]:
    """(view, C) for this much data: see heads.VIEWS."""
    counts = np.unique(np.asarray(labels), return_counts=True)[1]
    return ("compact", 30.0) if float(np.median(counts)) < FEW_SHOT_BELOW else ("full", 10.0)


def name_examples(labels: Sequence[str], descriptions: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """Each intent's own name ("card_arrival" -> "card arrival") and description as two more
    training examples: cheap prior knowledge that helps most when examples are few."""
    texts, out_labels = [], []
    for label in sorted(set(labels)):
        words = label.replace("_", " ").replace("-", " ").strip()
        texts += [words, (descriptions or {}).get(label) or words]
        out_labels += [label, label]
    return texts, out_labels


CURVE_THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def oos_curve(
    head: SoftmaxHead, features: np.ndarray, gold: Sequence[str], *, oos_label: str, margin: float
) -> list[dict[str, float]]:
    """The out-of-scope trade-off over thresholds, for supervisors to pick from (a threshold
    tuned on one small sample is unstable; the whole curve is not)."""
    probabilities = head.probabilities(features)
    curve = []
    for threshold in CURVE_THRESHOLDS:
        predicted = [
            decide(
                p, head.classes, thresholds={}, default_threshold=threshold, margin=margin, oos_label=oos_label
            ).intent
            for p in probabilities
        ]
        figures = oos_figures(gold, predicted, oos_label)
        curve.append({"threshold": threshold, **{k: round(v, 4) for k, v in figures.items()}})
    return curve


# Texts encoded between two progress reports: a multiple of the encoders' batch of 32.
ENCODE_CHUNK = 256
# Encoding the examples is most of a training's time (~90 % of 25 s on the seed data): the
# share of the progress bar it fills, after the names and before the heads are fitted.
ENCODING_FROM, ENCODING_TO = 0.05, 0.85


def encode_reporting(
    encoder: Encoder, texts: Sequence[str], progress: Progress, *, start: float, end: float
) -> np.ndarray:
    """`encoder.encode(texts)` in chunks, reporting after each. The chunks are runs of the
    texts in order of length, each a whole number of the encoders' length-sorted batches, so
    every batch holds the same texts as in one call and the features are the same, bit for bit."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    features = np.zeros((len(texts), FEATURES), dtype=np.float32)
    for first in range(0, len(order), ENCODE_CHUNK):
        rows = order[first : first + ENCODE_CHUNK]
        features[rows] = encoder.encode([texts[i] for i in rows])
        done = min(first + ENCODE_CHUNK, len(order))
        progress(start + (end - start) * done / max(len(order), 1), f"encoding examples ({done}/{len(order)})")
    return features


def train_intents(
    encoder: Encoder,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    eval_texts: Sequence[str] | None = None,
    eval_labels: Sequence[str] | None = None,
    holdout_fraction: float = 0.2,
    oos_label: str | None = OUT_OF_SCOPE,
    threshold: float = 0.0,
    margin: float = 0.0,
    c: float | None = None,
    seed: int = 13,
    descriptions: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> TrainingResult:
    """Train a head. With an evaluation set, metrics are measured on it and the head is trained
    on all of `texts`; without one, a stratified hold-out measures a head trained on the rest,
    then the head that ships is refit on everything. `progress`, if given, hears each step."""
    report = progress or (lambda share, step: None)
    started = time.perf_counter()
    report(0.0, "encoding examples")
    view, chosen_c = choose_view(labels)
    c = c or chosen_c
    # Names and descriptions as examples help a few-shot head (+0.6 points on BANKING77 10-shot)
    # and slightly hurt a well-fed one (-0.2 on the full split), so only the former gets them.
    extra_texts, extra_labels = (
        name_examples([x for x in set(labels) if x != oos_label], descriptions) if view == "compact" else ([], [])
    )
    extra_features = encoder.encode(extra_texts) if extra_texts else np.zeros((0, FEATURES), dtype=np.float32)
    features = (
        encode_reporting(encoder, list(texts), progress, start=ENCODING_FROM, end=ENCODING_TO)
        if progress
        else encoder.encode(list(texts))
    )
    labels_a = np.asarray(labels)

    def fit(rows: np.ndarray) -> SoftmaxHead:
        return train_softmax(
            np.concatenate([features[rows], extra_features]),
            np.concatenate([labels_a[rows], np.asarray(extra_labels)]),
            c=c,
            view=view,
        )

    everything = np.arange(len(labels_a))
    present_oos = oos_label if oos_label and oos_label in set(labels_a) | set(eval_labels or []) else None
    if eval_texts is not None:
        report(ENCODING_TO, "training the model")
        head = fit(everything)
        report(0.92, "measuring on the evaluation set")
        eval_features = encoder.encode(list(eval_texts))
        predicted = predict_labels(head, eval_features, oos_label=present_oos, threshold=threshold, margin=margin)
        metrics = classification_report(list(eval_labels), predicted, present_oos)
        if present_oos:
            metrics["oos_curve"] = oos_curve(
                head, eval_features, list(eval_labels), oos_label=present_oos, margin=margin
            )
    else:
        train_idx, hold_idx = stratified_split(labels_a, holdout_fraction, seed)
        report(ENCODING_TO, "measuring on the hold-out")
        trial = fit(train_idx)
        predicted = predict_labels(trial, features[hold_idx], oos_label=present_oos, threshold=threshold, margin=margin)
        metrics = classification_report(list(labels_a[hold_idx]), predicted, present_oos)
        if present_oos:
            metrics["oos_curve"] = oos_curve(
                trial, features[hold_idx], list(labels_a[hold_idx]), oos_label=present_oos, margin=margin
            )
        report(0.92, "training the model on every example")
        head = fit(everything)
    return TrainingResult(head=head, metrics=metrics, training_size=len(texts), seconds=time.perf_counter() - started)
