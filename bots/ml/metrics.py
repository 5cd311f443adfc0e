"""Classification figures, as defined in docs (pure numpy)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    gold_a, pred_a = np.asarray(gold), np.asarray(predicted)
    return float((gold_a == pred_a).mean()) if len(gold_a) else 0.0


def _per_class(gold: np.ndarray, predicted: np.ndarray, label: str) -> tuple[float, float, float]:
    tp = float(((gold == label) & (predicted == label)).sum())
    precision = tp / max(1.0, float((predicted == label).sum()))
    recall = tp / max(1.0, float((gold == label).sum()))
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return precision, recall, f1


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    gold_a, pred_a = np.asarray(gold), np.asarray(predicted)
    labels = np.unique(gold_a)
    return float(np.mean([_per_class(gold_a, pred_a, label)[2] for label in labels])) if len(labels) else 0.0


def macro_recall(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """TweetEval's sentiment metric: recall averaged over the gold classes."""
    gold_a, pred_a = np.asarray(gold), np.asarray(predicted)
    labels = np.unique(gold_a)
    return float(np.mean([_per_class(gold_a, pred_a, label)[1] for label in labels])) if len(labels) else 0.0


def oos_figures(gold: Sequence[str], predicted: Sequence[str], oos_label: str) -> dict[str, float]:
    """in_scope_accuracy: accuracy over gold in-scope examples (an in-scope message sent to
    out-of-scope counts as wrong); oos_recall: share of gold out-of-scope examples caught."""
    gold_a, pred_a = np.asarray(gold), np.asarray(predicted)
    in_scope = gold_a != oos_label
    return {
        "in_scope_accuracy": float((gold_a[in_scope] == pred_a[in_scope]).mean()) if in_scope.any() else 0.0,
        "oos_recall": float((pred_a[~in_scope] == oos_label).mean()) if (~in_scope).any() else 0.0,
    }


def classification_report(gold: Sequence[str], predicted: Sequence[str], oos_label: str | None = None) -> dict:
    report = {"accuracy": accuracy(gold, predicted), "macro_f1": macro_f1(gold, predicted), "n": len(gold)}
    if oos_label:
        report.update(oos_figures(gold, predicted, oos_label))
    return report
