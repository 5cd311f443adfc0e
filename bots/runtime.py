"""The model in a running process: the encoder loaded once, the active heads cached.

Celery workers load it at process start (`worker_process_init`); daphne in embedded mode loads
it on the first message, on a task thread, never on the event loop. A retrain in any process
is picked up here within HELPDESK_MODEL_REFRESH_SECONDS.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from .ml.classifier import Classifier
from .ml.emotions import EmotionHead, load_emotion_head
from .ml.encoder import NO_ADAPTER, encoder_id, load_encoder
from .ml.heads import SoftmaxHead
from .ml.sentiment import load_head
from .models import Intent, ModelKind, ModelVersion


@dataclass
class Loaded:
    classifier: Classifier
    version_id: int
    tiers: dict[str, int]
    queues: dict[str, str | None]
    checked_at: float


logger = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: Loaded | None = None
_sentiment: SoftmaxHead | None = None
_emotions: EmotionHead | None = None


class NoActiveModel(RuntimeError):
    pass


def warm_up() -> None:
    """Load the encoder and the shipped heads (start-up cost paid once, ~2 s)."""
    global _sentiment, _emotions
    encoder = load_encoder(threads=settings.HELPDESK_MODEL_THREADS)
    if _sentiment is None:
        _sentiment = load_head()
    if _emotions is None:
        _emotions = _emotion_head_or_none()
    encoder.encode(["warm up"])


def _emotion_head_or_none() -> EmotionHead | None:
    """Emotions inform agents; they decide nothing. A head that will not load costs them,
    not the bot's answers (which the intent and sentiment heads give)."""
    try:
        return load_emotion_head()
    except (OSError, ValueError, KeyError):
        logger.exception("the emotion head did not load: readings go without emotions")
        return None


def current() -> Loaded:
    """The classifier for the active intent version (reloaded when it changes)."""
    global _loaded, _sentiment, _emotions
    now = time.monotonic()
    loaded = _loaded
    if loaded is not None and now - loaded.checked_at < settings.HELPDESK_MODEL_REFRESH_SECONDS:
        return loaded
    with _lock:
        active = ModelVersion.objects.filter(kind=ModelKind.INTENT, active=True).values("pk").first()
        if active is None:
            raise NoActiveModel("no active intent model: run `python manage.py train_intents`")
        if _loaded is not None and _loaded.version_id == active["pk"]:
            _loaded.checked_at = now
            _refresh_intent_settings(_loaded)
            return _loaded
        version = ModelVersion.objects.get(pk=active["pk"])
        # A version trained before encoders were named ran the wheel's model alone.
        trained_on = version.settings.get("encoder", encoder_id(NO_ADAPTER))
        if trained_on != encoder_id():
            logger.warning(
                "the active intent model (version %s) was trained on the encoder %s and this process runs %s: "
                "its readings are off until it is retrained (manage.py train_intents)",
                version.pk,
                trained_on,
                encoder_id(),
            )
        if _sentiment is None:
            _sentiment = load_head()
        if _emotions is None:
            _emotions = _emotion_head_or_none()
        classifier = Classifier(
            encoder=load_encoder(threads=settings.HELPDESK_MODEL_THREADS),
            intent_head=SoftmaxHead.from_bytes(bytes(version.head)),
            sentiment_head=_sentiment,
            emotion_head=_emotions,
            thresholds={},
            default_threshold=settings.HELPDESK_INTENT_DEFAULT_THRESHOLD,
            margin=settings.HELPDESK_INTENT_MARGIN,
        )
        _loaded = Loaded(classifier=classifier, version_id=version.pk, tiers={}, queues={}, checked_at=now)
        _refresh_intent_settings(_loaded)
        return _loaded


def _refresh_intent_settings(loaded: Loaded) -> None:
    """Thresholds, tiers and queues as supervisors last saved them."""
    rows = Intent.objects.select_related("default_queue").values(
        "name", "tier", "confidence_threshold", "default_queue__name"
    )
    loaded.classifier.thresholds = {r["name"]: r["confidence_threshold"] for r in rows}
    loaded.classifier.margin = settings.HELPDESK_INTENT_MARGIN
    loaded.tiers = {r["name"]: r["tier"] for r in rows}
    loaded.queues = {r["name"]: r["default_queue__name"] for r in rows}


def forget() -> None:
    """Drop the cached heads (tests, and after a retrain in this process)."""
    global _loaded
    with _lock:
        _loaded = None
