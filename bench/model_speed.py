"""Speed and memory of the classifier as served: tokenise, encode (ONNX Runtime), both heads.

    .venv/bin/python bench/model_speed.py [--engine onnx|torch] [--threads 1]

Figures: one message at a time (median, p95 over the seed examples), batched throughput on
short chat messages (batches of 32, sorted by length), and this process's resident memory with
the model loaded (it imports no Django, no torch on the ONNX path). The intent head is trained
here from the seed examples, as `train_intents` would.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["onnx", "torch"], default="onnx")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-seconds", type=float, default=10.0)
    args = parser.parse_args()

    from bots.ml.classifier import Classifier
    from bots.ml.emotions import load_emotion_head
    from bots.ml.encoder import OnnxEncoder, TorchEncoder, default_onnx_path
    from bots.ml.heads import SoftmaxHead
    from bots.ml.sentiment import load_head
    from bots.seed import seed_examples

    started = time.perf_counter()
    encoder = (
        OnnxEncoder(default_onnx_path(), threads=args.threads)
        if args.engine == "onnx"
        else TorchEncoder(threads=args.threads)
    )
    load_seconds = time.perf_counter() - started
    examples = seed_examples()
    texts = [t for values in examples.values() for t in values]
    labels = [name for name, values in examples.items() for _ in values]
    from bots.ml.heads import train_softmax

    intent_head: SoftmaxHead = train_softmax(encoder.encode(texts), labels)
    classifier = Classifier(
        encoder=encoder,
        intent_head=intent_head,
        sentiment_head=load_head(),
        emotion_head=load_emotion_head(),
        thresholds={},
        default_threshold=0.4,
        margin=0.05,
    )
    for text in texts[:50]:
        classifier.classify_one(text)  # warm up
    single = []
    for text in texts:
        t0 = time.perf_counter()
        classifier.classify_one(text)
        single.append((time.perf_counter() - t0) * 1000)
    single.sort()
    tokens = [len(encoder.tokenizer.encode(t).ids) for t in texts[:300]] if args.engine == "onnx" else []

    done = 0
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < args.batch_seconds:
        sample = [texts[i] for i in rng.integers(0, len(texts), 512)]
        classifier.classify(sample)
        done += len(sample)
    rate = done / (time.perf_counter() - t0)

    print(f"engine: {encoder.engine}, threads: {args.threads}, load: {load_seconds:.2f} s")
    print(
        f"messages: {len(texts)} seed examples" + (f", median {statistics.median(tokens):.0f} tokens" if tokens else "")
    )
    print(f"single_median_ms: {statistics.median(single):.2f}")
    print(f"single_p95_ms: {single[int(0.95 * (len(single) - 1))]:.2f}")
    print(f"batched_messages_per_second: {rate:.0f}")
    print(f"resident_memory_mb: {rss_mb():.0f}")


if __name__ == "__main__":
    main()
