"""Knowledge-base answers on a help centre and its questions, and the search's speed.

    .venv/bin/python bench/kb_retrieval.py                      # the demo help centre, its dev set
    .venv/bin/python bench/kb_retrieval.py --articles bench/data/kb_other/articles \
        --questions bench/data/kb_other/questions.jsonl         # a help centre never tuned on
    .venv/bin/python bench/kb_retrieval.py --sweep              # the thresholds' trade-off
    .venv/bin/python bench/kb_retrieval.py --speed 10000 100000 # search time at that many passages

Questions are JSON lines `{"q", "article": title | null}`. The search is the bot's own
(`bots.ml.retrieval`: the same passages, signals and decision); the thresholds are the shipped
defaults (`KnowledgeBaseSettings`) unless given. Only published articles are searched, as in
the live chat. Figures (issue 15's targets in brackets):

- answered directly from the right article [>= 80 %]
- right article answered directly or among the offered choices [>= 92 %]
- answered directly from a wrong article [<= 5 %]
- unanswerable questions given no direct answer [>= 90 %]
"""
# The figures come from bots.ml.retrieval.measure, the function behind the admin's trade-off.

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import numpy as np  # noqa: E402

DEMO = ROOT / "helpdesk" / "management" / "demo_kb"
DEV = ROOT / "bench" / "data" / "kb_dev.jsonl"


def load_help_centre(directory: Path):
    import django

    django.setup()
    from bots.ml.encoder import HIDDEN, load_encoder
    from bots.ml.retrieval import Index, passage_context, split_passages
    from helpdesk.services.kb_files import parse_article

    encoder = load_encoder()
    articles = [parse_article(p.read_text(encoding="utf-8")) for p in sorted(directory.rglob("*.md"))]
    published = [a for a in articles if a.status == "published"]
    ids, texts, titles = [], [], {}
    for number, article in enumerate(published):
        for passage in split_passages(article.body):
            ids.append(number)
            texts.append(passage_context(article.title, passage))
    vectors = encoder.encode(texts)[:, :HIDDEN] if texts else np.zeros((0, HIDDEN), dtype=np.float32)
    title_vectors = encoder.encode([a.title for a in published])[:, :HIDDEN]
    for number, vector in enumerate(title_vectors):
        titles[number] = vector
    index = Index(article_ids=np.array(ids, dtype=np.int64), vectors=vectors, titles=titles, texts=texts)
    load_help_centre.intents = [set(a.intents) for a in published]
    return index, [a.title for a in published], encoder


def read_questions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ranked_hits(index, encoder, questions, weights, *, intents: bool = False, verifier: bool = True, lazy: bool = True):
    """Each question's ranked articles, verified as the live chat's are (`bots.ml.verifier`)
    unless `verifier` is False; with `intents`, as the live chat ranks them: the seed intents'
    head (trained here, as the tests train it) reads each question, and an article tagged with
    that intent gets the search's intent lift (bots/services/knowledge.py)."""
    from bots.ml.encoder import HIDDEN
    from bots.ml.retrieval import verify_hits
    from bots.ml.verifier import load_verifier

    features = encoder.encode([q["q"] for q in questions])
    vectors = features[:, :HIDDEN]
    boosts = [{}] * len(questions)
    if intents:
        from django.conf import settings

        from bots.ml.heads import train_softmax
        from bots.ml.intents import decide
        from bots.seed import seed_examples
        from bots.services.knowledge import INTENT_BOOST

        examples = seed_examples()
        texts = [t for values in examples.values() for t in values]
        labels = [name for name, values in examples.items() for _ in values]
        head = train_softmax(encoder.encode(texts), labels)
        tags = load_help_centre.intents
        boosts = []
        for p in head.probabilities(features):
            guess = decide(
                p,
                head.classes,
                thresholds={},
                default_threshold=settings.HELPDESK_INTENT_DEFAULT_THRESHOLD,
                margin=settings.HELPDESK_INTENT_MARGIN,
            ).intent
            boosts.append({number: INTENT_BOOST for number, tagged in enumerate(tags) if guess in tagged})
    ranked = [
        index.search(q["q"], v, weights, top=5, boost=b) for q, v, b in zip(questions, vectors, boosts, strict=True)
    ]
    checker = load_verifier() if verifier else None
    if checker is None:
        ranked_hits.verifier_time = "verifier: none read (no graph exported: the search alone)"
        return ranked
    verified, timings, pairs = [], [], 0
    for q, hits in zip(questions, ranked, strict=True):

        def read(some, question=q["q"]):
            nonlocal pairs
            pairs += len(some)
            return checker.probabilities(question, [index.texts[h.passage] for h in some])

        started = time.perf_counter()
        verified.append(verify_hits(hits, weights, read, lazy=lazy))
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    ranked_hits.verifier_time = (
        f"verifier: {pairs / max(len(questions), 1):.1f} pairs a question, median "
        f"{np.median(timings):.1f} ms, p95 {timings[int(0.95 * len(timings))]:.1f} ms a question"
    )
    return verified


def expected_ids(questions, titles) -> list[int | None]:
    number = {title: i for i, title in enumerate(titles)}
    unknown = sorted({q["article"] for q in questions if q.get("article") and q["article"] not in number})
    if unknown:
        raise SystemExit(f"questions name articles that are not published: {unknown}")
    return [number[q["article"]] if q.get("article") else None for q in questions]


def show(name: str, m) -> None:
    print(
        f"{name}: {m.answerable} answerable, {m.unanswerable} unanswerable\n"
        f"  answered directly from the right article   {m.direct_right:6.1%}  (target >= 80 %)\n"
        f"  right article, directly or among choices   {m.offered_right:6.1%}  (target >= 92 %)\n"
        f"  answered directly from a wrong article     {m.direct_wrong:6.1%}  (target <= 5 %)\n"
        f"  unanswerable given no direct answer        {1 - m.unanswerable_answered:6.1%}  (target >= 90 %)"
    )


def sweep(expected, hits, base) -> None:
    """Every threshold combination's figures, best first: those that keep wrong answers within
    5 % and answer unanswerable questions with one question to spare under 10 % (a set of 40
    moves 2.5 points a question, and the spare is what carried to the unseen help centre), by
    direct answers; then the rest by how far each misses its targets."""
    from bots.ml.retrieval import measure

    spare = 1 / max(sum(1 for article in expected if article is None), 1)
    rows = []
    for answer_at in np.arange(0.36, 0.96, 0.02):
        for lead in (0.0, 0.02, 0.04, 0.06, 0.08, 0.10):
            for offer_at in np.arange(0.24, answer_at + 0.001, 0.04):
                for within in (0.04, 0.06, 0.08, 0.10, 0.14):
                    weights = replace(
                        base, answer_at=float(answer_at), lead=lead, offer_at=float(offer_at), offer_within=within
                    )
                    m = measure(expected, hits, weights)
                    loss = (
                        max(0, 0.80 - m.direct_right)
                        + max(0, 0.92 - m.offered_right)
                        + 2 * max(0, m.direct_wrong - 0.05)
                        + 2 * max(0, m.unanswerable_answered - 0.10)
                    )
                    safe = m.direct_wrong <= 0.05 and m.unanswerable_answered <= 0.10 - spare + 1e-9
                    rows.append(((not safe, -m.direct_right if safe else loss, -m.offered_right), loss, weights, m))
    rows.sort(key=lambda row: row[0])
    print("best thresholds (answer_at lead offer_at offer_within):")
    for _, loss, w, m in rows[:10]:
        print(
            f"  {w.answer_at:.2f} {w.lead:.2f} {w.offer_at:.2f} {w.offer_within:.2f}  miss {loss:.3f}  "
            f"right {m.direct_right:.1%}  right-or-offered {m.offered_right:.1%}  wrong {m.direct_wrong:.1%}  "
            f"unanswerable answered {m.unanswerable_answered:.1%}"
        )


def speed(sizes: list[int], runs: int = 300) -> None:
    """Search time over a synthetic index of `size` passages (random unit vectors, words drawn
    from a shop's vocabulary): the matrix product and the lexical postings both scale with it."""
    from bots.ml.encoder import HIDDEN
    from bots.ml.retrieval import Index, Weights

    rng = np.random.default_rng(7)
    vocabulary = [f"w{i}" for i in range(20_000)] + "order delivery return refund invoice sofa lamp".split()
    weights = Weights()
    for size in sizes:
        vectors = rng.standard_normal((size, HIDDEN)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        articles = np.arange(size, dtype=np.int64) // 8
        texts = [" ".join(rng.choice(vocabulary, size=60)) for _ in range(size)]
        titles = {int(a): vectors[i] for i, a in enumerate(articles)}
        started = time.perf_counter()
        index = Index(article_ids=articles, vectors=vectors, titles=titles, texts=texts)
        built = time.perf_counter() - started
        timings = []
        for _ in range(runs):
            query = rng.standard_normal(HIDDEN).astype(np.float32)
            words = " ".join(rng.choice(vocabulary, size=8))
            t0 = time.perf_counter()
            index.search(words + " refund sofa", query, weights)
            timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        p95 = timings[int(0.95 * len(timings))]
        print(
            f"{size:>7} passages: search median {np.median(timings):.2f} ms, p95 {p95:.2f} ms (built in {built:.1f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=Path, default=DEMO)
    parser.add_argument("--questions", type=Path, default=DEV)
    parser.add_argument("--sweep", action="store_true", help="print the thresholds' trade-off")
    parser.add_argument("--misses", action="store_true", help="print the questions it got wrong")
    parser.add_argument("--speed", type=int, nargs="*", help="time the search at these index sizes")
    parser.add_argument("--no-verify", action="store_true", help="the search's scores alone, no verifier")
    parser.add_argument(
        "--thresholds",
        type=float,
        nargs=4,
        metavar=("ANSWER_AT", "LEAD", "OFFER_AT", "OFFER_WITHIN"),
        help="decide at these instead of the shipped defaults",
    )
    parser.add_argument(
        "--intents", action="store_true", help="lift articles tagged with the intent the seed head reads, as live"
    )
    args = parser.parse_args()
    if args.speed:
        speed(args.speed)
        return
    from bots.ml.retrieval import Weights

    index, titles, encoder = load_help_centre(args.articles)
    questions = read_questions(args.questions)
    print(f"{args.articles}: {len(titles)} published articles, {len(index)} passages")
    from bots.ml.retrieval import measure

    base = Weights()
    if args.thresholds:
        answer_at, lead, offer_at, within = args.thresholds
        base = replace(base, answer_at=answer_at, lead=lead, offer_at=offer_at, offer_within=within)
    expected = expected_ids(questions, titles)
    # The sweep reads every candidate: which ones the live chat skips depends on the thresholds.
    hits = ranked_hits(
        index, encoder, questions, base, intents=args.intents, verifier=not args.no_verify, lazy=not args.sweep
    )
    if args.sweep:
        sweep(expected, hits, base)
        return
    result = measure(expected, hits, base)
    show(str(args.questions), result)
    if not args.no_verify:
        print(f"  {ranked_hits.verifier_time}")
    if args.misses:
        for position, what in result.misses:
            found = [titles[h.article_id] for h in hits[position][:3]]
            print(
                f"  {what:8} {questions[position]['q'][:80]!r} -> {found} (want {questions[position].get('article')})"
            )


if __name__ == "__main__":
    main()
