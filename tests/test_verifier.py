"""The knowledge base's verifier as it serves: the graphs `make install` exports, read through
ONNX Runtime. How much it lifts the answers is measured by bench/kb_retrieval.py, not here."""

from __future__ import annotations

import numpy as np
import pytest

from bots.ml.verifier import OnnxVerifier, verifier_onnx_path

RETURNS = (
    "Returns and refunds: Returning an item\nYou can return any item within 30 days of delivery. "
    "Start a return from your order page and print the label; we refund within five working days."
)
DELIVERY = (
    "Delivery: Delivery areas\nWe deliver to Belgium, the Netherlands, Luxembourg, Germany and France. "
    "Standard delivery takes three to five working days."
)


@pytest.fixture(scope="module", params=["fp32", "int8"])
def verifier(request) -> OnnxVerifier:
    path = verifier_onnx_path(request.param)
    assert path.exists(), f"no {request.param} verifier export: run make install"
    return OnnxVerifier(path)


def test_the_passage_that_answers_reads_above_the_one_that_does_not(verifier) -> None:
    other, answers = verifier.probabilities("how long does delivery to France take", [RETURNS, DELIVERY])
    assert answers > 0.5 > other
    (other_question,) = verifier.probabilities("do you sell gift cards?", [RETURNS])
    assert other_question < 0.5


def test_a_long_passage_or_question_is_cut_and_no_passages_is_nothing(verifier) -> None:
    long_passage = RETURNS + " More words about returns." * 200
    (probability,) = verifier.probabilities("can I send back a lamp I don't like?", [long_passage])
    assert 0.0 <= probability <= 1.0
    assert verifier.probabilities("anything", []).shape == (0,)
    # A pasted email longer than the limit is cut too: a reading, not an error.
    (pasted,) = verifier.probabilities("where is my order? " * 300, [RETURNS])
    assert 0.0 <= pasted <= 1.0


def test_int8_reads_as_fp32_does() -> None:
    pairs = [RETURNS, DELIVERY]
    question = "how long does delivery to France take"
    fp32 = OnnxVerifier(verifier_onnx_path("fp32")).probabilities(question, pairs)
    int8 = OnnxVerifier(verifier_onnx_path("int8")).probabilities(question, pairs)
    assert np.abs(fp32 - int8).max() < 0.1


def test_every_training_help_centre_reads_and_its_questions_name_its_articles() -> None:
    from bots.ml.finetune import help_centre
    from bots.ml.verifier import training_centres

    centres = training_centres()
    assert len(centres) >= 4  # the demo's and the shops written only for training
    for articles_dir, questions in centres:
        articles, answerable, unanswerable = help_centre(articles_dir, questions)
        assert len(articles) >= 25, articles_dir
        assert {title for _, title in answerable} <= set(articles), questions
        assert len(answerable) >= 5 * len(articles) and len(unanswerable) >= 40, questions
