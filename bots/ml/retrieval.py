"""Finding the knowledge-base passage that answers a question: plain Python and numpy.

Articles are cut into passages (by `## ` heading and paragraph, each carrying its article's
title and heading as context). A question is scored against every article by three signals,
each 0..1, measured on questions written for two help centres (bench/kb_retrieval.py):

- `semantic`: the best cosine between the question's sentence embedding (the encoder's block
  0, the one the bot already computed for the intent heads) and the article's passages;
- `title`: the cosine between the question and the article's title alone (short titles name
  what an article is for; a question that matches one is rarely about anything else);
- `lexical`: BM25 over passage words, divided by the question's own best possible score, so
  it reads "how much of what the question asks does this passage contain". A word no article
  has counts against every article (a question about bitcoin is not answered by the payments
  article that says "card" and "pay").

Their weighted sum is the article's score, and the decision (`choose`) reads the best score
and its lead over the next article: an answer, a choice of two or three close articles, or
nothing. Exact search: one matrix product over the passages, microseconds per thousand.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

# A passage shorter than this (in words) joins the next paragraph of its section: a lone
# line like "Here is how:" answers nothing by itself.
MIN_WORDS = 15
MAX_WORDS = 80

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
    during each few for from further had hadn't has hasn't have haven't having he her here hers herself him
    himself his how i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most my myself
    no nor not of off on once only or other ought our ours ourselves out over own same she should shouldn't
    so some such than that that's the their theirs them themselves then there there's these they this those
    through to too under until up very was wasn't we we'd we'll we're we've were weren't what what's when
    where which while who whom why will with won't would wouldn't you you'd you'll you're you've your yours
    yourself hi hello hey please thanks thank want need get got know like just also still really would
    im ive dont cant wont u ur pls plz hii any anyone someone something tell""".split()
)


def words(text: str) -> list[str]:
    """Lower-case word stems without stop words: the lexical signal's vocabulary."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]


def _stem(word: str) -> str:
    """A light suffix strip (deliveries/delivery, returned/return, shipping/ship): enough to
    meet a question's word in an article, cheap, and never stems short words."""
    word = word.replace("'", "")
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)] + replacement
            if suffix == "es" and not stem.endswith(("s", "x", "z", "ch", "sh")):
                stem = word[:-1]
            if suffix in ("ing", "ed") and len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "ls":
                stem = stem[:-1]  # shipping -> shipp -> ship
            return stem
    return word


@dataclass(frozen=True)
class Passage:
    heading: str
    text: str  # the article's own words, Markdown as written


def split_passages(body: str) -> list[Passage]:
    """An article's body as passages: each `#`-heading starts a section; a section's
    paragraphs are passages of MIN_WORDS..MAX_WORDS words (short ones join the next, a list
    stays with the paragraph that introduces it)."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for block in re.split(r"\n\s*\n", body.strip()):
        lines = block.strip().splitlines()
        if not lines:
            continue
        heading = _HEADING.match(lines[0])
        if heading:
            sections.append((heading.group(1).strip(), []))
            lines = lines[1:]
            if not lines:
                continue
        sections[-1][1].append("\n".join(lines).strip())
    passages: list[Passage] = []
    for heading, paragraphs in sections:
        current: list[str] = []
        count = 0
        for paragraph in paragraphs:
            size = len(paragraph.split())
            if current and count + size > MAX_WORDS and count >= MIN_WORDS:
                passages.append(Passage(heading, "\n\n".join(current)))
                current, count = [], 0
            current.append(paragraph)
            count += size
            if count >= MIN_WORDS and not paragraph.rstrip().endswith(":"):
                passages.append(Passage(heading, "\n\n".join(current)))
                current, count = [], 0
        if current:
            if passages and passages[-1].heading == heading and count < MIN_WORDS:
                last = passages.pop()
                passages.append(Passage(heading, last.text + "\n\n" + "\n\n".join(current)))
            else:
                passages.append(Passage(heading, "\n\n".join(current)))
    return passages


def passage_context(title: str, passage: Passage) -> str:
    """What is embedded and indexed for a passage: its words in their article's context."""
    head = f"{title}: {passage.heading}" if passage.heading else title
    return f"{head}\n{passage.text}"


@dataclass(frozen=True)
class Weights:
    """How the signals add up, and where the decisions fall (`choose`). Defaults from the
    calibration sets (bench/kb_retrieval.py --calibrate); supervisors tune the thresholds in
    the admin per knowledge base."""

    semantic: float = 0.6
    title: float = 0.2
    lexical: float = 0.4
    answer_at: float = 0.62  # the best article's score at least this ...
    lead: float = 0.04  # ... and this far ahead of the next: answered directly
    offer_at: float = 0.24  # otherwise the articles within `offer_within` of it, above this: a choice
    offer_within: float = 0.10
    verify: float = 0.2  # the verifier's probability that a passage answers, times this, adds to its score


@dataclass(frozen=True)
class Hit:
    article_id: int
    score: float
    passage: int  # the index of its best passage in the Index
    semantic: float
    title: float
    lexical: float
    verified: float | None = None  # the verifier's probability that the passage answers (`verify`)


@dataclass(frozen=True)
class Choice:
    """What the bot does with a question: `answer` (one hit), `choices` (two or three) or
    nothing (`hits` empty); `ranked` is every scored article, best first, for logs and tests."""

    kind: str  # "answer" | "choices" | "none"
    hits: tuple[Hit, ...]
    ranked: tuple[Hit, ...] = ()


@dataclass
class Index:
    """Passages of many articles, searchable. Built once per process from the stored vectors
    (`from_rows`), replaced whole when the knowledge base changes."""

    article_ids: np.ndarray  # [passages] int64: each passage's article
    vectors: np.ndarray  # [passages, dim] float32, unit length
    titles: dict[int, np.ndarray]  # article id -> its title's unit vector
    texts: list[str]  # each passage's context text (for the lexical index)
    _postings: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    _idf: dict[str, float] = field(default_factory=dict, repr=False)
    _lengths: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    _avg_length: float = 1.0
    _articles: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    _starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    _position: dict[int, int] = field(default_factory=dict, repr=False)
    _title_matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32), repr=False)

    K1 = 1.2
    B = 0.75

    def __post_init__(self) -> None:
        if len(self.article_ids) and np.any(np.diff(self.article_ids) < 0):
            raise ValueError("passages must come grouped by article, in article order")
        # Passages are grouped by article, so each article is a slice [start, next start).
        self._articles, self._starts = np.unique(self.article_ids, return_index=True)
        self._position = {int(a): i for i, a in enumerate(self._articles)}
        dim = self.vectors.shape[1] if self.vectors.ndim == 2 and len(self.vectors) else 0
        self._title_matrix = (
            np.stack([self.titles.get(int(a), np.zeros(dim, dtype=np.float32)) for a in self._articles]).astype(
                np.float32
            )
            if len(self._articles)
            else np.zeros((0, dim), dtype=np.float32)
        )
        postings: dict[str, dict[int, int]] = defaultdict(dict)
        lengths = np.zeros(len(self.texts), dtype=np.float32)
        for i, text in enumerate(self.texts):
            tokens = words(text)
            lengths[i] = len(tokens)
            for token in tokens:
                postings[token][i] = postings[token].get(i, 0) + 1
        n = max(len(self.texts), 1)
        self._lengths = lengths
        self._avg_length = float(lengths.mean()) if len(lengths) else 1.0
        self._postings = {
            token: (np.fromiter(found.keys(), dtype=np.int64), np.fromiter(found.values(), dtype=np.float32))
            for token, found in postings.items()
        }
        self._idf = {
            token: math.log(1 + (n - len(found) + 0.5) / (len(found) + 0.5)) for token, found in postings.items()
        }
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)

    def __len__(self) -> int:
        return len(self.texts)

    def lexical(self, question: str) -> np.ndarray:
        """Each passage's BM25 for the question over the question's best possible score, 0..1."""
        scores = np.zeros(len(self.texts), dtype=np.float32)
        tokens = set(words(question))
        if not tokens or not len(self.texts):
            return scores
        ceiling = 0.0
        for token in tokens:
            idf = self._idf.get(token, self._unknown_idf)
            ceiling += idf * (self.K1 + 1)
            found = self._postings.get(token)
            if found is None:
                continue
            rows, tf = found
            norm = self.K1 * (1 - self.B + self.B * self._lengths[rows] / self._avg_length)
            scores[rows] += idf * tf * (self.K1 + 1) / (tf + norm)
        return scores / ceiling

    def search(
        self,
        question: str,
        vector: np.ndarray,
        weights: Weights,
        *,
        top: int = 5,
        boost: dict[int, float] | None = None,
    ) -> list[Hit]:
        """The best `top` articles for a question, each with its best passage. `boost`: added
        to some articles' scores (those a supervisor tagged with the intent the model read)."""
        if not len(self.texts):
            return []
        vector = vector.astype(np.float32)
        vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
        semantic = self.vectors @ vector
        lexical = self.lexical(question)
        # Per article: its best passage by the two passage signals together.
        combined = weights.semantic * semantic + weights.lexical * lexical
        best = np.maximum.reduceat(combined, self._starts)
        title = self._title_matrix @ vector
        scores = best + weights.title * title
        for article, lift in (boost or {}).items():
            if (slot := self._position.get(article)) is not None:
                scores[slot] += lift
        top = min(top, len(scores))
        order = np.argpartition(-scores, top - 1)[:top]
        order = order[np.argsort(-scores[order])]
        hits = []
        for slot in order:
            start = int(self._starts[slot])
            end = int(self._starts[slot + 1]) if slot + 1 < len(self._starts) else len(combined)
            passage = start + int(np.argmax(combined[start:end]))
            hits.append(
                Hit(
                    article_id=int(self._articles[slot]),
                    score=round(float(scores[slot]), 4),
                    passage=passage,
                    semantic=round(float(semantic[passage]), 4),
                    title=round(float(title[slot]), 4),
                    lexical=round(float(lexical[passage]), 4),
                )
            )
        return hits


# The verifier reads this many of the search's best articles (on their best passages): the
# decision looks at no more than three (`choose`), and each pair costs ~5 ms of CPU.
VERIFIED = 3


def to_verify(hits: Sequence[Hit], weights: Weights) -> list[Hit]:
    """The hits the verifier reads: the best VERIFIED that the search alone scores at least
    `offer_at`. It confirms what the search found and never finds for it: on words the help
    centre does not have (a typo storm, "lol") it reads 0.98 as readily as on a question, so
    an article the search would not even offer is not lifted by it (and costs no pair)."""
    return [hit for hit in hits[:VERIFIED] if hit.score >= weights.offer_at]


def verify(hits: Sequence[Hit], probabilities: Sequence[float], weights: Weights) -> list[Hit]:
    """The hits with the verifier's reading of the first `len(probabilities)` best passages
    (`bots/ml/verifier.py`, those `to_verify` gave) added to their scores, best first (the
    rest keep theirs, below): the search ranks, the verifier says whether the best of them
    answers. On the calibration set the sum separates answerable questions from the rest
    better than either alone (docs/benchmarks.md)."""
    if len(probabilities) > len(hits):
        raise ValueError("more probabilities than hits")
    verified = [
        replace(hit, score=round(hit.score + weights.verify * float(p), 4), verified=round(float(p), 4))
        for hit, p in zip(hits, probabilities, strict=False)
    ]
    return sorted([*verified, *hits[len(verified) :]], key=lambda hit: -hit.score)


def verify_lazily(hits: Sequence[Hit], weights: Weights, read: Callable[[list[Hit]], Sequence[float]]) -> list[Hit]:
    """`verify` with the fewest pairs read (`read`: the verifier's probabilities for some hits'
    passages, ~5 ms of CPU a pair): none when the search alone has decided the answer, then the
    best article, and the others only when what they could read (at most 1) might still change
    the answer. When the first one is answered and leads the rest by more than their largest
    possible lift, `choose` answers with it whatever they read, so they are not read; otherwise
    all of `to_verify` are. What is not read keeps the search's score (the first's is then
    lower by what the verifier would have added, never below "answer at")."""
    chosen = to_verify(hits, weights)
    if not chosen:
        return list(hits)
    if _decided(hits, chosen[0], {h.article_id for h in chosen}, weights):
        return list(hits)
    first = list(read(chosen[:1]))
    lifted = verify(hits, first, weights)
    if len(chosen) == 1 or _decided(lifted, chosen[0], {h.article_id for h in chosen[1:]}, weights):
        return lifted
    return verify(hits, [*first, *read(chosen[1:])], weights)


def verify_hits(
    hits: Sequence[Hit], weights: Weights, read: Callable[[list[Hit]], Sequence[float]], *, lazy: bool = True
) -> list[Hit]:
    """The verifier's reading added: as few pairs as decide the answer (`verify_lazily`), or
    with `lazy` False every hit of `to_verify` (what a trade-off over other thresholds needs)."""
    if lazy:
        return verify_lazily(hits, weights, read)
    return verify(hits, read(to_verify(hits, weights)), weights)


def _decided(ranked: Sequence[Hit], first: Hit, unread: set[int], weights: Weights) -> bool:
    """Whether `choose` answers with `first` whatever the verifier reads for the `unread`
    articles: it is best and answered, and ahead of each other one by `lead` even if that one
    were lifted by the most the verifier can add (its own lift only raises it further)."""
    best = ranked[0]
    if best.article_id != first.article_id or best.score < weights.answer_at:
        return False
    others = [h.score + (weights.verify if h.article_id in unread else 0.0) for h in ranked[1:]]
    return best.score - max(others, default=0.0) >= weights.lead


def choose(hits: Sequence[Hit], weights: Weights) -> Choice:
    """Answer when one article is clearly best; otherwise offer the customer the one, two or
    three that come close ("is it about one of these?"), or admit not knowing."""
    ranked = tuple(hits)
    if not ranked:
        return Choice("none", (), ranked)
    first = ranked[0]
    second = ranked[1].score if len(ranked) > 1 else 0.0
    if first.score >= weights.answer_at and first.score - second >= weights.lead:
        return Choice("answer", (first,), ranked)
    close = tuple(
        h for h in ranked[:3] if h.score >= weights.offer_at and first.score - h.score <= weights.offer_within
    )
    if close:
        return Choice("choices", close, ranked)
    return Choice("none", (), ranked)


@dataclass(frozen=True)
class Measured:
    """How a question set fares under one set of thresholds (fractions)."""

    answerable: int
    unanswerable: int
    direct_right: float  # answered directly from the right article
    offered_right: float  # the right article answered directly or among the choices
    direct_wrong: float  # answered directly from a wrong article
    unanswerable_answered: float  # unanswerable questions given a direct answer
    misses: tuple[tuple[int, str], ...] = ()  # (question's position, what went wrong)


def measure(expected: Sequence[int | None], ranked: Sequence[Sequence[Hit]], weights: Weights) -> Measured:
    """Each question's expected article (None: nothing answers it) against its ranked hits,
    decided by `weights`: the figures bench/kb_retrieval.py prints and the admin's trade-off
    shows."""
    answerable = right = offered = wrong = unanswerable = answered = 0
    misses = []
    for position, (article, hits) in enumerate(zip(expected, ranked, strict=True)):
        choice = choose(hits, weights)
        chosen = [h.article_id for h in choice.hits]
        if article is None:
            unanswerable += 1
            if choice.kind == "answer":
                answered += 1
                misses.append((position, "answered"))
            continue
        answerable += 1
        if choice.kind == "answer" and chosen[0] == article:
            right += 1
            offered += 1
        elif choice.kind == "answer":
            wrong += 1
            misses.append((position, "wrong"))
        elif choice.kind == "choices" and article in chosen:
            offered += 1
        else:
            misses.append((position, choice.kind))
    return Measured(
        answerable=answerable,
        unanswerable=unanswerable,
        direct_right=right / max(answerable, 1),
        offered_right=offered / max(answerable, 1),
        direct_wrong=wrong / max(answerable, 1),
        unanswerable_answered=answered / max(unanswerable, 1),
        misses=tuple(misses),
    )


def trade_off(expected: Sequence[int | None], ranked: Sequence[Sequence[Hit]], weights: Weights) -> list[dict]:
    """The figures at each "answer at" threshold from 0.30 to 1.00 (a verified article can
    score past 1), the others as `weights` has them: the curve supervisors read before moving
    the threshold."""
    curve = []
    for step in range(36):
        answer_at = round(0.30 + 0.02 * step, 2)
        m = measure(expected, ranked, replace(weights, answer_at=answer_at, offer_at=min(weights.offer_at, answer_at)))
        curve.append(
            {
                "answer_at": answer_at,
                "direct_right": round(m.direct_right, 4),
                "offered_right": round(m.offered_right, 4),
                "direct_wrong": round(m.direct_wrong, 4),
                "unanswerable_answered": round(m.unanswerable_answered, 4),
            }
        )
    return curve
