"""Train the shipped emotion and frustration heads.

    python -m bots.ml.train_emotions [--data ../shared/datasets/goemotions] [--out bots/ml/weights/emotions.npz]

GoEmotions' train split (Reddit comments, 27 emotions, multi-label): one logistic regression
per label in `bots.ml.emotions.LABELS`, "frustration" being anger, annoyance, disappointment or
disapproval. Prints each head's F1 at 0.5 and ROC AUC on GoEmotions' dev split (its test split
is not in shared/), and, as a check on support chat, the mean frustration of the project's
own support examples by sentiment (bots/seed/sentiment_support.json: they were written for the
sentiment head, never for this one). The data set's text never enters the repository; only the
heads do.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from .emotions import EMOTIONS, FRUSTRATED, LABELS, WEIGHTS, EmotionHead
from .encoder import load_encoder

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "goemotions"
SUPPORT = ROOT / "bots" / "seed" / "sentiment_support.json"


def read_split(folder: Path, split: str) -> tuple[list[str], np.ndarray]:
    """Texts, and a [texts, LABELS] 0/1 matrix."""
    names = (folder / "labels.txt").read_text(encoding="utf-8").split()
    texts, rows = [], []
    for line in (folder / f"{split}.tsv").read_text(encoding="utf-8").splitlines():
        text, labels, _ = line.split("\t")
        present = {names[int(i)] for i in labels.split(",")}
        texts.append(text)
        row = [label in present for label in EMOTIONS] + [bool(present & set(FRUSTRATED))]
        rows.append(row)
    return texts, np.array(rows, dtype=np.int8)


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score, roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--c", type=float, default=0.5)
    args = parser.parse_args()
    started = time.perf_counter()
    encoder = load_encoder(threads=2)
    train_texts, train_y = read_split(args.data, "train")
    dev_texts, dev_y = read_split(args.data, "dev")
    train_x, dev_x = encoder.encode(train_texts), encoder.encode(dev_texts)
    print(f"encoded {len(train_texts) + len(dev_texts)} texts in {time.perf_counter() - started:.0f} s")
    weights, bias, figures = [], [], {}
    for j, label in enumerate(LABELS):
        model = LogisticRegression(C=args.c, max_iter=2000)
        model.fit(train_x, train_y[:, j])
        weights.append(model.coef_[0])
        bias.append(model.intercept_[0])
        p = model.predict_proba(dev_x)[:, 1]
        figures[label] = {
            "dev_f1_at_0.5": round(float(f1_score(dev_y[:, j], p >= 0.5)), 3),
            "dev_roc_auc": round(float(roc_auc_score(dev_y[:, j], p)), 3),
            "dev_positives": int(dev_y[:, j].sum()),
        }
        print(f"{label:<15} dev F1 {figures[label]['dev_f1_at_0.5']:.3f}  AUC {figures[label]['dev_roc_auc']:.3f}")
    head = EmotionHead(labels=LABELS, weights=np.array(weights).T, bias=np.array(bias))
    support = json.loads(SUPPORT.read_text(encoding="utf-8"))
    frustration = list(LABELS).index("frustration")
    by_sentiment = {
        label: round(float(head.probabilities(encoder.encode(texts))[:, frustration].mean()), 3)
        for label, texts in support.items()
    }
    print(f"support examples, mean frustration by sentiment: {by_sentiment}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(head.to_bytes())
    summary = {"heads": figures, "support_mean_frustration": by_sentiment, "c": args.c, "train": len(train_texts)}
    args.out.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"training_time_seconds: {time.perf_counter() - started:.0f}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
