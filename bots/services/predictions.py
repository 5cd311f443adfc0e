"""Classifying a stored customer message: once per message and model version."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.infrastructure import realtime
from helpdesk.infrastructure.locks import lock_conversation
from helpdesk.infrastructure.prepared import row_insert
from helpdesk.models import Conversation, ConversationStatus, Message, Sender
from helpdesk.services.readings import reading_apply
from routing.defaults import FRUSTRATED

from .. import runtime
from ..ml.classifier import Prediction
from ..models import MessagePrediction

# Without an emotion head (it failed to load) the alert falls back on polarity.
STRONGLY_NEGATIVE = -0.85
# Messages older than this are left unread by the recovery: an answer an hour late helps nobody.
RECOVERY_WINDOW = timedelta(hours=1)
# A message is sent again at most once in this long (the sweep must not pile duplicates onto
# a queue that is merely behind).
RESEND_EVERY = timedelta(minutes=10)
# The bot's turn in batches (`_guess`): a message older than this when its turn starts waited
# in the queue; up to BATCH_MAX messages are read in one encoder call; their readings wait
# this long in the cache for their own turns.
BATCH_AFTER = timedelta(milliseconds=50)
BATCH_MAX = 16
PREFETCH_SECONDS = 120
OPEN_STATUSES = (ConversationStatus.BOT, ConversationStatus.QUEUED, ConversationStatus.ASSIGNED)


def prediction_payload(prediction: MessagePrediction) -> dict:
    """The reading as the kernel takes it (`reading_apply`, which rounds what it shows)."""
    return {
        "intent": prediction.intent,
        "intent_confidence": prediction.intent_confidence,
        "top_intents": prediction.top_intents,
        "out_of_scope_reason": prediction.out_of_scope_reason or None,
        "sentiment": prediction.sentiment,
        "sentiment_score": prediction.sentiment_score,
        "emotions": prediction.emotions or {},
        "frustration": prediction.frustration,
        "model_version": str(prediction.model_version_id),
    }


class ReadingTaken(Exception):
    """Another run of the same task stored this message's reading first (a redelivery racing
    the original): that run answers, this one stops."""


@dataclass
class Reading:
    """A customer message's classification by the active model version, stored exactly once:
    on its own (`store`) or inside the transaction that stores the bot's answer
    (`store_locked`), so the common bot turn takes the conversation's lock once."""

    message: Message
    prediction: MessagePrediction  # unsaved until stored
    loaded: runtime.Loaded
    stored: bool
    vector: np.ndarray | None = None  # the message's sentence vector, when the model just read it
    # Changes to the conversation that commit with the reading (a flow the customer left):
    # each sets fields of the locked conversation and names them.
    changes: list[Callable[[Conversation], list[str]]] = field(default_factory=list)

    def store(self) -> None:
        if self.stored and not self.changes:
            return
        try:
            with transaction.atomic():
                conversation = lock_conversation(self.message.conversation_id)
                fields = self.store_locked(conversation)
                if fields:
                    conversation.save(update_fields=fields)
        except ReadingTaken:
            self.prediction = MessagePrediction.objects.get(
                message_id=self.message.pk, model_version_id=self.loaded.version_id
            )
            self.stored = True

    def store_locked(self, conversation: Conversation) -> list[str]:
        """Inside the caller's transaction, holding `conversation`'s row lock. A run that lost
        the race (one prediction per message and model version) raises ReadingTaken, which
        rolls back the caller's whole transaction: the winner answers. Returns the
        conversation's changed fields, unsaved: the caller saves them in its own UPDATE (the
        bot's turn: one UPDATE for the reading and the answer)."""
        fields = []
        if not self.stored:
            try:
                row_insert(self.prediction)  # compiled once: every reading is one
            except IntegrityError as exc:
                raise ReadingTaken() from exc
            fields = _apply_to_conversation(self.message, self.prediction, conversation)
            self.stored = True
        for change in self.changes:
            fields += change(conversation)
        self.changes = []
        return fields


def message_read(*, message: Message, loaded: runtime.Loaded | None = None, unread: bool = False) -> Reading:
    """The stored reading of a customer message, or a fresh one (the model runs; nothing is
    written yet). `unread`: the caller's own query found no reading by `loaded`'s version."""
    loaded = loaded or runtime.current()
    existing = (
        None
        if unread
        else MessagePrediction.objects.filter(message_id=message.pk, model_version_id=loaded.version_id)
        .select_related("model_version")
        .first()
    )
    if existing is not None:
        return Reading(message=message, prediction=existing, loaded=loaded, stored=True)
    started = time.perf_counter()
    guess, batch = _guess(message, loaded)
    latency_ms = (time.perf_counter() - started) * 1000 / batch
    prediction = MessagePrediction(
        message=message,
        model_version_id=loaded.version_id,
        intent=guess.intent.intent,
        intent_confidence=guess.intent.confidence,
        top_intents=[[name, round(p, 4)] for name, p in guess.intent.top],
        out_of_scope_reason=guess.intent.out_of_scope_reason or "",
        sentiment=guess.sentiment.label,
        sentiment_score=guess.sentiment.score,
        emotions=guess.emotions.emotions if guess.emotions else {},
        frustration=guess.emotions.frustration if guess.emotions else None,
        engine=loaded.classifier.encoder.engine,
        latency_ms=round(latency_ms, 2),
    )
    return Reading(message=message, prediction=prediction, loaded=loaded, stored=False, vector=guess.vector)


def _guess(message: Message, loaded: runtime.Loaded) -> tuple[Prediction, int]:
    """The model's reading of `message`, and how many messages the encoder call read with it.

    A lone message goes straight through. One that waited in the queue (the bot is behind) is
    read with the customer messages stored after it, up to BATCH_MAX, in one encoder call:
    length-sorted batches cost about half as much per message as one at a time
    (../shared/spec/model-notes.md). Their readings wait in the cache for their own turns,
    which store them as they would their own; a turn that finds none reads its message anew.
    A watermark keeps the workers from batching the same messages twice (a race between two
    only costs a message read twice).

    Only an encoder whose reading does not depend on the batch is asked for a batch (fp32,
    `HELPDESK_MODEL_PRECISION=fp32`): with the int8 graph, the default, one customer's words
    would move another's reading, and the bot would decide differently under load than the same
    message alone (bots/ml/encoder.py `batch_invariant`). The batch would save ~0.4 ms of
    encoder a message, about one load step at the bot's knee (docs/benchmarks.md)."""
    if not loaded.classifier.encoder.batch_invariant or timezone.now() - message.created_at < BATCH_AFTER:
        return loaded.classifier.classify_one(message.body), 1
    prefetched = cache.get(_prefetch_key(loaded.version_id, message.pk))
    if prefetched is not None:
        return prefetched, 1
    watermark_key = f"bots:batched-up-to:{loaded.version_id}"
    after = max(message.pk, cache.get(watermark_key) or 0)
    peers = list(
        Message.objects.filter(pk__gt=after, sender=Sender.CUSTOMER, internal=False)
        .order_by("pk")
        .values_list("pk", "body")[: BATCH_MAX - 1]
    )
    if not peers:
        return loaded.classifier.classify_one(message.body), 1
    cache.set(watermark_key, peers[-1][0], timeout=PREFETCH_SECONDS)
    guesses = loaded.classifier.classify([message.body, *(body for _, body in peers)])
    cache.set_many(
        {_prefetch_key(loaded.version_id, pk): guess for (pk, _), guess in zip(peers, guesses[1:], strict=True)},
        timeout=PREFETCH_SECONDS,
    )
    return guesses[0], len(guesses)


def _prefetch_key(version_id: int, message_id: int) -> str:
    return f"bots:reading:{version_id}:{message_id}"


def messages_unread(*, older_than_seconds: float, limit: int = 200) -> list[int]:
    """Customer messages in open conversations that no model version has read, stored more
    than `older_than_seconds` ago (their task was lost, not merely queued), each returned at
    most once per RESEND_EVERY."""
    now = timezone.now()
    since = now - RECOVERY_WINDOW
    ids = list(
        Message.objects.filter(
            conversation__status__in=OPEN_STATUSES,
            conversation__last_customer_message_at__gte=since,
            sender=Sender.CUSTOMER,
            internal=False,
            created_at__gte=since,
            created_at__lt=now - timedelta(seconds=older_than_seconds),
            predictions__isnull=True,
        )
        .exclude(data__has_key="bot_failed")  # its turn failed for good (fail open)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    # cache.add is atomic: two sweeps at once cannot both send the same message.
    timeout = int(RESEND_EVERY.total_seconds())
    return [pk for pk in ids if cache.add(f"bots:resent:{pk}", 1, timeout=timeout)]


def _apply_to_conversation(message: Message, prediction: MessagePrediction, conversation: Conversation) -> list[str]:
    """The kernel applies the reading (the conversation's intent and sentiment, the
    scorecard's sums, the inbox's pushes); a customer frustrated while a human holds the chat
    is worth a supervisor's look now (frustration, not polarity: "the vase arrived broken" told
    to an agent is no cause for alarm). Returns the conversation's changed fields, unsaved."""
    fields = reading_apply(conversation=conversation, message=message, reading=prediction_payload(prediction))
    if conversation.status == ConversationStatus.ASSIGNED and _frustrated(prediction):
        realtime.after_commit(
            realtime.alert_supervisors,
            f"A frustrated customer in a chat held by an agent ({conversation.queue}).",
            {"conversation_id": str(conversation.pk)},
        )
    return fields


def _frustrated(prediction: MessagePrediction) -> bool:
    """As the shipped rule "A frustrated customer" hands one to a person (routing/defaults.py)."""
    if prediction.frustration is None:
        return prediction.sentiment_score <= STRONGLY_NEGATIVE
    return prediction.frustration >= FRUSTRATED
