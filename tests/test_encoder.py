"""The serving encoder's precision: int8 by default, and reading customers as fp32 does."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bots.ml import encoder
from bots.ml.emotions import load_emotion_head
from bots.ml.encoder import BLOCKS, HIDDEN, OnnxEncoder, default_onnx_path

SEED = Path(encoder.__file__).resolve().parents[1] / "seed"


def test_int8_serves_unless_fp32_is_asked_for(monkeypatch) -> None:
    monkeypatch.delenv("HELPDESK_MODEL_PRECISION", raising=False)
    assert default_onnx_path().name.endswith("-int8.onnx")
    monkeypatch.setenv("HELPDESK_MODEL_PRECISION", "fp32")
    assert default_onnx_path().name == f"minilm-features-{encoder.adapter_digest()}.onnx"
    monkeypatch.setenv("HELPDESK_MODEL_PRECISION", "fp16")
    with pytest.raises(RuntimeError, match="HELPDESK_MODEL_PRECISION must be one of int8, fp32, not 'fp16'"):
        default_onnx_path()


@pytest.fixture(scope="module")
def both_readings() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The frustration head's support examples (frustrated and calm), read by both graphs."""
    for graph in ("fp32", "int8"):
        assert default_onnx_path(graph).exists(), f"no {graph} export: run make install"
    examples = json.loads((SEED / "frustration_support.json").read_text())
    texts = examples["frustrated"] + examples["calm"]
    fp32 = OnnxEncoder(default_onnx_path("fp32")).encode(texts)
    int8 = OnnxEncoder(default_onnx_path("int8")).encode(texts)
    return fp32, int8, texts


def test_int8_features_stay_beside_fp32s(both_readings) -> None:
    fp32, int8, texts = both_readings
    cosines = (fp32.reshape(len(texts), BLOCKS, HIDDEN) * int8.reshape(len(texts), BLOCKS, HIDDEN)).sum(axis=2)
    assert cosines.mean(axis=0).min() > 0.99
    assert cosines.min() > 0.95


def test_the_heads_trained_on_fp32_decide_alike_on_int8(both_readings) -> None:
    """The shipped heads were trained on fp32 features: served on int8, the frustration that
    the rules hand over at (0.55) is crossed the same way for nearly every example."""
    fp32, int8, _ = both_readings
    head = load_emotion_head()
    column = head.labels.index("frustration")
    before = head.probabilities(fp32)[:, column]
    after = head.probabilities(int8)[:, column]
    assert np.mean((before >= 0.55) == (after >= 0.55)) > 0.98
    assert np.median(np.abs(before - after)) < 0.02


def test_an_install_with_one_export_serves_it_and_says_so(monkeypatch, tmp_path, caplog) -> None:
    """An install exported before int8 served (fp32 only) keeps ONNX Runtime, not torch."""
    monkeypatch.setenv("HELPDESK_MODEL_DIR", str(tmp_path))
    monkeypatch.delenv("HELPDESK_MODEL_PRECISION", raising=False)
    assert encoder.serving_path() is None
    fp32 = default_onnx_path("fp32")
    fp32.write_bytes(b"")
    assert encoder.serving_path() == fp32
    assert "no int8 export" in caplog.text
    default_onnx_path("int8").write_bytes(b"")
    assert encoder.serving_path() == default_onnx_path("int8")
