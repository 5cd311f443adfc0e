"""The knowledge base as the bot reads it: articles embedded once, searched on each question.

- An article's passages and their vectors are written when the article changes
  (`on_article_changed`, asked by the kernel inside the writer's transaction), so an import
  returns with its answers searchable and no process re-embeds at start.
- Each process keeps the whole index in memory (`index_current`) and compares the knowledge
  base's stamp at most once every HELPDESK_KB_REFRESH_SECONDS: an edit is served everywhere
  within seconds, and a turn pays one indexed read a second, not a scan.
- `search` answers the bot's turn, `manage.py triage` and the agent's assist panel alike.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.utils import timezone

from helpdesk.models import Article, ArticlePassage, ArticleStatus, KnowledgeBaseSettings
from helpdesk.services.kb import article_passages_store

from ..flows import flow_for, information
from ..flows.base import Answer, Knowledge
from ..ml.encoder import HIDDEN, encoder_id, load_encoder
from ..ml.retrieval import (
    Choice,
    Hit,
    Index,
    Passage,
    Weights,
    choose,
    passage_context,
    split_passages,
    verify_hits,
)
from ..ml.verifier import load_verifier

# Which vectors the index holds: the encoder's block 0 (its sentence embedding). Passages
# written by another encoder (another adapter) are re-embedded when the index loads.
ENCODER_TAG = f"{encoder_id()}/mean-last"


@dataclass(frozen=True)
class ArticleInfo:
    id: int
    title: str
    url: str
    owner_team: str
    review_due: datetime | None
    intents: tuple[str, ...] = ()

    def overdue(self, now: datetime) -> bool:
        return self.review_due is None or self.review_due <= now


@dataclass(frozen=True)
class Found:
    """One article the search found, with the passage that answers (its own words)."""

    article: ArticleInfo
    hit: Hit
    heading: str
    passage: str

    def source(self) -> dict:
        return {"id": str(self.article.id), "title": self.article.title, "url": self.article.url or None}


@dataclass(frozen=True)
class Search:
    kind: str  # "answer" | "choices" | "none"
    found: tuple[Found, ...]  # the answer, or the choices
    ranked: tuple[Found, ...]  # every article scored, best first (the next best after a "no")
    weights: Weights


@dataclass
class _Loaded:
    version: int
    index: Index
    articles: dict[int, ArticleInfo]
    headings: list[str]
    passages: list[str]
    weights: Weights
    checked_at: float
    by_intent: dict[str, tuple[int, ...]]  # intent -> the articles a supervisor tagged with it


_lock = threading.Lock()
_loaded: _Loaded | None = None
_vectors: dict[str, np.ndarray] = {}  # text -> vector, this process's (seeding re-imports the same words)


def embed(texts: list[str]) -> np.ndarray:
    """Sentence vectors (unit length) for texts, from the encoder the bot already runs."""
    missing = [t for t in dict.fromkeys(texts) if t not in _vectors]
    if missing:
        features = load_encoder(threads=settings.HELPDESK_MODEL_THREADS).encode(missing)[:, :HIDDEN]
        if len(_vectors) > 20_000:
            _vectors.clear()
        for text, vector in zip(missing, features, strict=True):
            _vectors[text] = vector.astype(np.float32)
    if not texts:
        return np.zeros((0, HIDDEN), dtype=np.float32)
    return np.stack([_vectors[t] for t in texts])


def on_article_changed(payload: dict) -> None:
    """Asked by the kernel (`kb.article_changed`) inside the transaction that changed it."""
    article_reindex(article_id=payload["article_id"])


def article_reindex(*, article_id: int) -> int:
    """An article's passages and vectors, rewritten. Only published articles are searched;
    others keep none. Returns the number of passages."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None or article.status != ArticleStatus.PUBLISHED:
        article_passages_store(article_id=article_id, passages=[], encoder=ENCODER_TAG)
        return 0
    passages = split_passages(article.body)
    texts = [article.title] + [passage_context(article.title, p) for p in passages]
    vectors = embed(texts)
    rows = [(ArticlePassage.TITLE, "", article.title, vectors[0].tobytes())]
    rows += [(i, p.heading, p.text, v.tobytes()) for i, (p, v) in enumerate(zip(passages, vectors[1:], strict=True))]
    article_passages_store(article_id=article_id, passages=rows, encoder=ENCODER_TAG)
    return len(passages)


def index_current() -> _Loaded:
    """This process's index, reloaded when the knowledge base's stamp moved."""
    global _loaded
    now = time.monotonic()
    loaded = _loaded
    if loaded is not None and now - loaded.checked_at < settings.HELPDESK_KB_REFRESH_SECONDS:
        return loaded
    with _lock:
        row = KnowledgeBaseSettings.current()
        weights = Weights(answer_at=row.answer_at, lead=row.lead, offer_at=row.offer_at, offer_within=row.offer_within)
        if _loaded is not None and _loaded.version == row.index_version:
            _loaded.checked_at, _loaded.weights = now, weights
            return _loaded
        _loaded = _load(row.index_version, weights, now)
        return _loaded


def _load(version: int, weights: Weights, now: float) -> _Loaded:
    published = Article.objects.filter(status=ArticleStatus.PUBLISHED).select_related("owner_team")
    # Articles written before the index existed, or by another encoder: embedded now, once.
    stale = published.exclude(passages__encoder=ENCODER_TAG).values_list("pk", flat=True)
    for article_id in list(stale):
        article_reindex(article_id=article_id)
    articles = {
        a.pk: ArticleInfo(
            id=a.pk,
            title=a.title,
            url=a.url,
            owner_team=a.owner_team.name if a.owner_team_id else "",
            review_due=a.review_due_at,
            intents=tuple(a.intents or ()),
        )
        for a in published
    }
    rows = list(
        ArticlePassage.objects.filter(article_id__in=articles, encoder=ENCODER_TAG).values_list(
            "article_id", "position", "heading", "text", "vector"
        )
    )
    titles = {a: np.frombuffer(bytes(v), dtype=np.float32) for a, pos, _, _, v in rows if pos == ArticlePassage.TITLE}
    body = [r for r in rows if r[1] != ArticlePassage.TITLE]
    vectors = (
        np.stack([np.frombuffer(bytes(r[4]), dtype=np.float32) for r in body])
        if body
        else np.zeros((0, HIDDEN), dtype=np.float32)
    )
    index = Index(
        article_ids=np.array([r[0] for r in body], dtype=np.int64),
        vectors=vectors,
        titles=titles,
        texts=[passage_context(articles[r[0]].title, Passage(r[2], r[3])) for r in body],
    )
    return _Loaded(
        version=version,
        index=index,
        articles=articles,
        headings=[r[2] for r in body],
        passages=[r[3] for r in body],
        weights=weights,
        checked_at=now,
        by_intent=_by_intent(articles.values()),
    )


def _by_intent(articles) -> dict[str, tuple[int, ...]]:
    tagged: dict[str, list[int]] = {}
    for article in articles:
        for intent in article.intents:
            tagged.setdefault(intent, []).append(article.id)
    return {intent: tuple(ids) for intent, ids in tagged.items()}


# Never looked up: a hello, a goodbye and a request for a person are not questions.
NOT_SEARCHED = frozenset({"greeting", "thanks_goodbye", "talk_to_human"})


def searched(intent: str) -> bool:
    """Questions the knowledge base may answer: those the intents cannot place, and those
    whose intent has no flow of its own beyond serving an article."""
    return intent not in NOT_SEARCHED and flow_for(intent) in (None, information)


# A supervisor's tag of an article with the intent the model read lifts it by this much: the
# tag is a person's word that the article answers such questions.
INTENT_BOOST = 0.08


def verified(text: str, hits: list[Hit], loaded: _Loaded, *, lazy: bool = True) -> list[Hit]:
    """The search's hits with the verifier's reading of their best passages added: as few as
    decide the answer at the knowledge base's thresholds (`verify_lazily`), or with `lazy`
    False every one the verifier reads (`to_verify`: what a trade-off over other thresholds
    needs); as they were when this install has no verifier graph (fewer direct answers, never
    more)."""
    verifier = load_verifier()
    if verifier is None:
        return hits

    def read(some: list[Hit]):
        return verifier.probabilities(text, [loaded.index.texts[h.passage] for h in some])

    return verify_hits(hits, loaded.weights, read, lazy=lazy)


def search(text: str, *, vector: np.ndarray | None = None, intent: str = "", top: int = 5) -> Search:
    """What the knowledge base says to a question. `vector`: the message's sentence vector
    when the caller already encoded it (the bot's turn did, for the intent heads); `intent`:
    the model's reading of it."""
    loaded = index_current()
    if vector is None:
        vector = embed([text])[0]
    boost = dict.fromkeys(loaded.by_intent.get(intent, ()), INTENT_BOOST)
    hits = verified(text, loaded.index.search(text, vector[:HIDDEN], loaded.weights, top=top, boost=boost), loaded)
    choice: Choice = choose(hits, loaded.weights)

    def found(hit: Hit) -> Found:
        return Found(
            article=loaded.articles[hit.article_id],
            hit=hit,
            heading=loaded.headings[hit.passage],
            passage=loaded.passages[hit.passage],
        )

    ranked = tuple(found(h) for h in choice.ranked)
    chosen = tuple(found(h) for h in choice.hits)
    if choice.kind == "choices":
        # An article past its review is never offered; the question of one is its owners'.
        now = timezone.now()
        chosen = tuple(f for f in chosen if not f.article.overdue(now))
        if not chosen:
            return Search("none", (), ranked, loaded.weights)
    return Search(choice.kind, chosen, ranked, loaded.weights)


def on_searching(payload: dict) -> list[dict]:
    """Asked by the kernel's assist panel (`kb.searching`): the top passages for a customer's
    words, fresh articles only, each insertable as it is."""
    result = search(payload["text"], top=payload.get("limit", 3) + 2)
    now = timezone.now()
    return [
        {
            "id": str(f.article.id),
            "title": f.article.title,
            "text": f.passage,
            "heading": f.heading,
            "score": f.hit.score,
            "url": f.article.url or None,
        }
        for f in result.ranked
        if not f.article.overdue(now)
    ][: payload.get("limit", 3)]


def forget() -> None:
    """Drop this process's index (tests)."""
    global _loaded
    with _lock:
        _loaded = None


def knowledge_for(text: str, *, vector: np.ndarray | None = None, intent: str = "") -> Knowledge:
    """The search as a flow reads it (bots/flows/information.py): plain data, no database."""
    result = search(text, vector=vector, intent=intent)
    now = timezone.now()

    def answer(f: Found) -> Answer:
        return Answer(
            article_id=f.article.id,
            title=f.article.title,
            passage=f.passage,
            score=f.hit.score,
            url=f.article.url or None,
            overdue=f.article.overdue(now),
            owner_team=f.article.owner_team,
        )

    chosen = {f.article.id for f in result.found}
    others = tuple(answer(f) for f in result.ranked[:4] if f.article.id not in chosen)
    return Knowledge(kind=result.kind, answers=tuple(answer(f) for f in result.found), others=others)
