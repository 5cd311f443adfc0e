"""The model's pure parts: decisions, heads, metrics. No database, no encoder. (What the rules
decide is tested in test_rules_engine.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from bots.ml.heads import SoftmaxHead, train_softmax
from bots.ml.intents import decide, stratified_split
from bots.ml.metrics import classification_report, macro_f1, macro_recall

CLASSES = ("order_status", "out_of_scope", "refund_status")


@pytest.mark.parametrize(
    ("probabilities", "intent", "reason"),
    [
        ([0.90, 0.05, 0.05], "order_status", None),
        ([0.30, 0.20, 0.50], "refund_status", None),
        ([0.36, 0.30, 0.34], "out_of_scope", "low_confidence"),
        ([0.49, 0.04, 0.47], "out_of_scope", "small_margin"),
        ([0.10, 0.80, 0.10], "out_of_scope", "oos_class"),
    ],
)
def test_decide_out_of_scope_by_threshold_and_margin(probabilities, intent, reason) -> None:
    guess = decide(np.array(probabilities), CLASSES, thresholds={}, default_threshold=0.4, margin=0.05)
    assert (guess.intent, guess.out_of_scope_reason) == (intent, reason)
    assert guess.confidence == max(probabilities)
    assert [name for name, _ in guess.top][0] == CLASSES[int(np.argmax(probabilities))]


def test_a_per_intent_threshold_overrides_the_default() -> None:
    probabilities = np.array([0.6, 0.1, 0.3])
    strict = decide(probabilities, CLASSES, thresholds={"order_status": 0.7}, default_threshold=0.4, margin=0.0)
    assert strict.intent == "out_of_scope"


def test_head_round_trips_and_learns_a_separable_problem() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(0, 0.1, (40, 8)) + 1
    b = rng.normal(0, 0.1, (40, 8)) - 1
    head = train_softmax(np.vstack([a, b]), ["a"] * 40 + ["b"] * 40)
    again = SoftmaxHead.from_bytes(head.to_bytes())
    probabilities = again.probabilities(np.vstack([a[:3], b[:3]]))
    assert probabilities.shape == (6, 2) and np.allclose(probabilities.sum(1), 1)
    assert [again.classes[i] for i in probabilities.argmax(1)] == ["a"] * 3 + ["b"] * 3


def test_stratified_split_holds_out_each_class() -> None:
    labels = ["x"] * 10 + ["y"] * 5 + ["z"] * 2
    train, hold = stratified_split(labels, 0.2, seed=1)
    assert sorted([*train, *hold]) == list(range(17))
    held = {labels[i] for i in hold}
    assert held == {"x", "y"}  # a class with fewer than 3 examples is never held out


def test_metrics_by_hand() -> None:
    gold = ["a", "a", "b", "oos", "oos"]
    pred = ["a", "b", "b", "oos", "a"]
    report = classification_report(gold, pred, "oos")
    assert report["accuracy"] == pytest.approx(3 / 5)
    assert report["in_scope_accuracy"] == pytest.approx(2 / 3)
    assert report["oos_recall"] == pytest.approx(1 / 2)
    assert macro_recall(gold, pred) == pytest.approx((1 / 2 + 1 + 1 / 2) / 3)
    assert 0 < macro_f1(gold, pred) < 1


def test_the_verifier_lifts_the_passage_that_answers_and_reorders() -> None:
    from bots.ml.retrieval import Hit, Weights, to_verify, verify

    weights = Weights(verify=0.2)
    hits = [Hit(1, 0.60, 0, 0.5, 0.4, 0.3), Hit(2, 0.55, 3, 0.5, 0.4, 0.3), Hit(3, 0.20, 5, 0.1, 0.1, 0.1)]
    verified = verify(hits, [0.05, 0.90, 0.99], weights)
    assert [(h.article_id, h.score, h.verified) for h in verified] == [
        (2, 0.73, 0.9),
        (1, 0.61, 0.05),
        (3, 0.398, 0.99),
    ]
    assert verify([], [], weights) == []
    # It reads only what the search alone would offer, at most three: it confirms, never finds.
    ranked = [Hit(a, score, 0, 0, 0, 0) for a, score in enumerate((0.7, 0.5, 0.3, 0.28, 0.2))]
    assert [h.article_id for h in to_verify(ranked, Weights(offer_at=0.24))] == [0, 1, 2]
    assert [h.article_id for h in to_verify(ranked, Weights(offer_at=0.4))] == [0, 1]


def test_the_verifier_reads_the_others_only_when_they_could_change_the_answer() -> None:
    from bots.ml.retrieval import Hit, Weights, choose, verify, verify_lazily

    weights = Weights(answer_at=0.6, lead=0.0, offer_at=0.24, verify=0.2)
    ranked = [Hit(1, 0.62, 0, 0, 0, 0), Hit(2, 0.40, 1, 0, 0, 0), Hit(3, 0.30, 2, 0, 0, 0)]
    asked: list[list[int]] = []

    def read(probabilities: dict[int, float]):
        def reader(some: list[Hit]) -> list[float]:
            asked.append([h.article_id for h in some])
            return [probabilities[h.article_id] for h in some]

        return reader

    # The search alone answers (0.62; the others could reach 0.60 at most): nothing is read.
    lazily = verify_lazily(ranked, weights, read({1: 0.9, 2: 1.0, 3: 1.0}))
    assert asked == [] and lazily == ranked and choose(lazily, weights).hits[0].article_id == 1
    # Below "answer at", the first is read: 0.9 lifts it to 0.73, past what the others could
    # reach, so they are not read.
    lower = [Hit(1, 0.55, 0, 0, 0, 0), *ranked[1:]]
    lazily = verify_lazily(lower, weights, read({1: 0.9, 2: 1.0, 3: 1.0}))
    assert asked == [[1]] and choose(lazily, weights).hits[0].article_id == 1
    # Against a closer second (0.50) the first reading 0.1 (0.64) could be passed (0.70), so
    # both others are read, and the result is what reading all three at once gives.
    asked.clear()
    closer = [ranked[0], Hit(2, 0.50, 1, 0, 0, 0), ranked[2]]
    lazily = verify_lazily(closer, weights, read({1: 0.1, 2: 1.0, 3: 0.5}))
    assert asked == [[1], [2, 3]]
    assert lazily == verify(closer, [0.1, 1.0, 0.5], weights)
    assert choose(lazily, weights).hits[0].article_id == 2
