"""Train the shipped emotion and frustration heads.

    python -m bots.ml.train_emotions [--data ../shared/datasets/goemotions] [--out bots/ml/weights/emotions.npz]
        [--support-share 0.5] [--sweep]

GoEmotions' train split (Reddit comments, 27 emotions, multi-label): one logistic regression
per label in `bots.ml.emotions.LABELS`, "frustration" being anger, annoyance, disappointment or
disapproval. Reddit's anger is not a customer's, so the frustration head also learns from
`bots/seed/frustration_support.json`: support-chat messages written for this project, angry or
fed up with the service ("frustrated") or not ("calm": a broken lamp calmly reported, a
question, thanks, a bare "no"). A stratified fifth of them is held out; the other four fifths
are weighted up so that they carry `--support-share` of the head's total sample weight, half
on each side (chosen
with `--sweep`, which fits the head at several shares and reads them on the held-out fifth
only; the customer dev set in bench/ is never used to choose: the default, 0.5, has the best
held-out balanced accuracy of the sweep). The other heads are GoEmotions' alone.

Prints each head's F1 at 0.5 and ROC AUC on GoEmotions' dev split (its test split is not in
shared/), the frustration head's recall, share of calm messages flagged (both at 0.5) and AUC
on the held-out support examples, and, as before, the mean frustration of the sentiment head's
support examples by sentiment (bots/seed/sentiment_support.json, never trained on here).

Encoding GoEmotions is most of the time (5 to 14 min on 2 cores); its features are cached
outside the repository in var/cache/ (HELPDESK_CACHE_DIR), keyed by the encoder (engine, its
weights, tokenizer and feature layout) and the texts, so a second run only fits the heads. The
data set's text never enters the repository; only the heads do.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .emotions import EMOTIONS, FRUSTRATED, LABELS, WEIGHTS, EmotionHead
from .encoder import FEATURES, MAX_TOKENS, Encoder, default_onnx_path, encoder_id, load_encoder, weights_dir

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "goemotions"
SUPPORT = ROOT / "bots" / "seed" / "sentiment_support.json"
FRUSTRATION_SUPPORT = ROOT / "bots" / "seed" / "frustration_support.json"
CACHE = Path(os.environ.get("HELPDESK_CACHE_DIR", ROOT / "var" / "cache"))
SWEEP_SHARES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
HELD_OUT = 0.2
SEED = 7


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


def neutral_only(folder: Path, split: str) -> np.ndarray:
    """Which comments are labelled neutral and nothing else."""
    neutral = str((folder / "labels.txt").read_text(encoding="utf-8").split().index("neutral"))
    lines = (folder / f"{split}.tsv").read_text(encoding="utf-8").splitlines()
    return np.array([line.split("\t")[1] == neutral for line in lines])


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def encoder_fingerprint(encoder: Encoder) -> str:
    """What makes the features: the engine, the weights it runs (the adapter's included), the
    tokenizer, the layout."""
    digest = hashlib.sha256(f"{encoder.engine}|{encoder_id()}|{FEATURES}|{MAX_TOKENS}".encode())
    model = weights_dir()
    files = [model / "tokenizer.json"]
    files.append(default_onnx_path() if encoder.engine == "onnxruntime" else model / "model.safetensors")
    for path in files:
        digest.update(_file_digest(path).encode())
    return digest.hexdigest()


def cached_encode(encoder: Encoder, fingerprint: str, name: str, texts: Sequence[str]) -> np.ndarray:
    """`encoder.encode(texts)`, from var/cache/ when this encoder has encoded these texts before."""
    key = hashlib.sha256((fingerprint + "\n" + "\n".join(texts)).encode()).hexdigest()[:16]
    path = CACHE / f"goemotions_features-{name}-{key}.npy"
    if path.exists():
        features = np.load(path)
        if features.shape == (len(texts), FEATURES):
            return features
    features = encoder.encode(list(texts))
    CACHE.mkdir(parents=True, exist_ok=True)
    for stale in CACHE.glob(f"goemotions_features-{name}-*.npy"):
        stale.unlink()
    partial = path.with_suffix(".partial.npy")
    np.save(partial, features)
    partial.replace(path)
    return features


def support_split(data: dict[str, list[str]]) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """Frustration support examples as (train texts, labels, held-out texts, labels): a fixed,
    stratified fifth held out."""
    rng = np.random.default_rng(SEED)
    train_texts, train_y, held_texts, held_y = [], [], [], []
    for label, value in (("frustrated", 1), ("calm", 0)):
        texts = data[label]
        order = rng.permutation(len(texts))
        cut = round(len(texts) * HELD_OUT)
        held_texts += [texts[i] for i in order[:cut]]
        train_texts += [texts[i] for i in order[cut:]]
        held_y += [value] * cut
        train_y += [value] * (len(texts) - cut)
    return train_texts, np.array(train_y, dtype=np.int8), held_texts, np.array(held_y, dtype=np.int8)


def support_weights(share: float, goemotions: int, labels: np.ndarray) -> np.ndarray:
    """Each support example's weight, so that they carry `share` of the total (GoEmotions' are 1),
    half of it on each side: how many of each we happened to write says nothing of the odds."""
    total = share / (1.0 - share) * goemotions
    return np.where(labels == 1, total / 2 / max(int(labels.sum()), 1), total / 2 / max(int((labels == 0).sum()), 1))


def fit(features: np.ndarray, y: np.ndarray, c: float, sample_weight: np.ndarray | None = None):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(features, y, sample_weight=sample_weight)
    return model


def frustration_figures(p_dev, dev_y, dev_angry, dev_neutral, p_held, held_y) -> dict[str, float]:
    """On GoEmotions dev: F1, AUC, and issue 14's pair at 0.5 (recall on comments labelled anger,
    annoyance or disappointment; neutral-only comments flagged). On the held-out support
    examples: recall, calm flagged, AUC."""
    from sklearn.metrics import f1_score, roc_auc_score

    return {
        "dev_f1_at_0.5": round(float(f1_score(dev_y, p_dev >= 0.5)), 3),
        "dev_roc_auc": round(float(roc_auc_score(dev_y, p_dev)), 3),
        "dev_recall_anger_annoyance_disappointment_at_0.5": round(float((p_dev[dev_angry] >= 0.5).mean()), 3),
        "dev_neutral_flagged_at_0.5": round(float((p_dev[dev_neutral] >= 0.5).mean()), 3),
        "support_heldout_recall_at_0.5": round(float((p_held[held_y == 1] >= 0.5).mean()), 3),
        "support_heldout_calm_flagged_at_0.5": round(float((p_held[held_y == 0] >= 0.5).mean()), 3),
        "support_heldout_roc_auc": round(float(roc_auc_score(held_y, p_held)), 3),
    }


def describe(f: dict[str, float]) -> str:
    return (
        f"GoEmotions dev AUC {f['dev_roc_auc']:.3f}, F1 {f['dev_f1_at_0.5']:.3f}, "
        f"recall on anger/annoyance/disappointment {f['dev_recall_anger_annoyance_disappointment_at_0.5']:.3f}, "
        f"neutral flagged {f['dev_neutral_flagged_at_0.5']:.3f}; held-out support examples: "
        f"recall {f['support_heldout_recall_at_0.5']:.3f}, "
        f"calm flagged {f['support_heldout_calm_flagged_at_0.5']:.3f}, AUC {f['support_heldout_roc_auc']:.3f} "
        f"(balanced accuracy {balanced(f):.3f})"
    )


def balanced(figures: dict[str, float]) -> float:
    return (figures["support_heldout_recall_at_0.5"] + 1 - figures["support_heldout_calm_flagged_at_0.5"]) / 2


def main() -> None:
    from sklearn.metrics import f1_score, roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--c", type=float, default=0.5)
    parser.add_argument(
        "--support-share", type=float, default=0.5, help="the support examples' share of the frustration head's weight"
    )
    parser.add_argument(
        "--sweep", action="store_true", help=f"fit the frustration head at shares {SWEEP_SHARES}, print, write nothing"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    encoder = load_encoder(threads=2)
    fingerprint = encoder_fingerprint(encoder)
    train_texts, train_y = read_split(args.data, "train")
    dev_texts, dev_y = read_split(args.data, "dev")
    train_x = cached_encode(encoder, fingerprint, "train", train_texts)
    dev_x = cached_encode(encoder, fingerprint, "dev", dev_texts)
    print(f"GoEmotions features for {len(train_texts) + len(dev_texts)} texts in {time.perf_counter() - started:.0f} s")

    sup_texts, sup_y, held_texts, held_y = support_split(json.loads(FRUSTRATION_SUPPORT.read_text(encoding="utf-8")))
    sup_x, held_x = encoder.encode(sup_texts), encoder.encode(held_texts)
    frustration = list(LABELS).index("frustration")
    angry = [list(LABELS).index(label) for label in ("anger", "annoyance", "disappointment")]
    dev_angry, dev_neutral = dev_y[:, angry].any(axis=1), neutral_only(args.data, "dev")
    both_x = np.concatenate([train_x, sup_x])
    both_y = np.concatenate([train_y[:, frustration], sup_y])

    def frustration_head(share: float):
        support = support_weights(share, len(train_texts), sup_y)
        weights = np.concatenate([np.ones(len(train_texts)), support])
        weight = {"frustrated": float(support[sup_y == 1][0]), "calm": float(support[sup_y == 0][0])}
        model = fit(both_x, both_y, args.c, weights)
        p_dev, p_held = model.predict_proba(dev_x)[:, 1], model.predict_proba(held_x)[:, 1]
        figures = frustration_figures(p_dev, dev_y[:, frustration], dev_angry, dev_neutral, p_held, held_y)
        return model, weight, figures

    held_frustrated = int(held_y.sum())
    print(f"support examples: {len(sup_texts)} to train on, {len(held_texts)} held out ({held_frustrated} frustrated)")
    if args.sweep:
        for share in SWEEP_SHARES:
            _, weight, f = frustration_head(share)
            each = f"frustrated {weight['frustrated']:.1f}, calm {weight['calm']:.1f}"
            print(f"share {share:.2f} (weights {each}): {describe(f)}", flush=True)
        print(f"training_time_seconds: {time.perf_counter() - started:.0f}")
        return

    weights, bias, figures = [], [], {}
    for j, label in enumerate(LABELS):
        if label == "frustration":
            model, weight, figures[label] = frustration_head(args.support_share)
            figures[label]["dev_positives"] = int(dev_y[:, j].sum())
        else:
            model = fit(train_x, train_y[:, j], args.c)
            p = model.predict_proba(dev_x)[:, 1]
            figures[label] = {
                "dev_f1_at_0.5": round(float(f1_score(dev_y[:, j], p >= 0.5)), 3),
                "dev_roc_auc": round(float(roc_auc_score(dev_y[:, j], p)), 3),
                "dev_positives": int(dev_y[:, j].sum()),
            }
        weights.append(model.coef_[0])
        bias.append(model.intercept_[0])
        line = f"{label:<15} dev F1 {figures[label]['dev_f1_at_0.5']:.3f}  AUC {figures[label]['dev_roc_auc']:.3f}"
        if label == "frustration":
            line = f"{label:<15} {describe(figures[label])}"
        print(line, flush=True)
    head = EmotionHead(labels=LABELS, weights=np.array(weights).T, bias=np.array(bias))
    support = json.loads(SUPPORT.read_text(encoding="utf-8"))
    by_sentiment = {
        label: round(float(head.probabilities(encoder.encode(texts))[:, frustration].mean()), 3)
        for label, texts in support.items()
    }
    print(f"sentiment support examples, mean frustration by sentiment: {by_sentiment}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(head.to_bytes())
    summary = {
        "heads": figures,
        "support_mean_frustration": by_sentiment,
        "c": args.c,
        "train": len(train_texts),
        "command": f"python -m bots.ml.train_emotions --c {args.c} --support-share {args.support_share}",
        "frustration_support": {
            "file": str(FRUSTRATION_SUPPORT.relative_to(ROOT)),
            "train": len(sup_texts),
            "held_out": len(held_texts),
            "share": args.support_share,
            "weights": {side: round(value, 3) for side, value in weight.items()},
        },
    }
    args.out.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"training_time_seconds: {time.perf_counter() - started:.0f}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
