"""What the bot knows: intents and their examples, trained model versions, predictions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .ml.emotions import EMOTIONS


class Tier(models.IntegerChoices):
    BOT_RESOLVES = 1, "1 · the bot resolves"
    BOT_COLLECTS = 2, "2 · the bot collects, then may escalate"
    HUMAN = 3, "3 · straight to a human"
    FALLBACK = 0, "fallback"


class Intent(models.Model):
    name = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=300, blank=True)
    tier = models.PositiveSmallIntegerField(choices=Tier.choices, default=Tier.BOT_RESOLVES)
    default_queue = models.ForeignKey(
        "helpdesk.Queue", on_delete=models.SET_NULL, null=True, blank=True, related_name="intents"
    )
    confidence_threshold = models.FloatField(
        default=0.3,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Below this probability the message counts as out of scope.",
    )
    enabled = models.BooleanField(default=True, help_text="Disabled intents are left out of the next training.")

    class Meta:
        ordering = ["tier", "name"]

    def __str__(self) -> str:
        return self.name


class ExampleSource(models.TextChoices):
    SEED = "seed", "Seed"
    CORRECTION = "correction", "Agent correction"
    IMPORT = "import", "Import"


class IntentExample(models.Model):
    intent = models.ForeignKey(Intent, on_delete=models.CASCADE, related_name="examples")
    text = models.CharField(max_length=1000)
    source = models.CharField(max_length=12, choices=ExampleSource.choices, default=ExampleSource.SEED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["intent", "text"], name="intent_example_unique")]

    def __str__(self) -> str:
        return self.text


class ModelKind(models.TextChoices):
    INTENT = "intent", "Intent"
    SENTIMENT = "sentiment", "Sentiment"


class ModelVersion(models.Model):
    """One training run. At most one active version per kind."""

    kind = models.CharField(max_length=10, choices=ModelKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    training_size = models.PositiveIntegerField()
    classes = models.JSONField(default=list)
    metrics = models.JSONField(default=dict, help_text="Hold-out figures.")
    settings = models.JSONField(default=dict, help_text="How it was trained (C, source, seed, encoder).")
    head = models.BinaryField(help_text="The trained head (.npz).")
    active = models.BooleanField(default=False)
    forced = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=Q(active=True), name="one_active_version_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.pk}{' (active)' if self.active else ''}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


UNFINISHED = [JobStatus.QUEUED, JobStatus.RUNNING]


class TrainingJob(models.Model):
    """One retraining a supervisor started from the intents page, run by a background task
    (bots/services/training_jobs.py). At most one unfinished job per kind: a second start while
    one is queued or running gets that one (the constraint settles two clicks at once)."""

    kind = models.CharField(max_length=10, choices=ModelKind.choices, default=ModelKind.INTENT)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.FloatField(default=0.0, help_text="Share done, 0 to 1.")
    step = models.CharField(max_length=100, blank=True, help_text="What it is doing now, in words.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now, help_text="Its last sign of life.")
    version = models.ForeignKey(
        ModelVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="training_jobs"
    )
    accuracy = models.FloatField(null=True, blank=True, help_text="On the hold-out.")
    oos_curve = models.JSONField(default=list, blank=True, help_text="The out-of-scope trade-off over thresholds.")
    activated = models.BooleanField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True, help_text="Why the version was or was not activated.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(status__in=UNFINISHED), name="one_unfinished_training_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"training #{self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status not in UNFINISHED


class MessagePrediction(models.Model):
    """The model's reading of one customer message, once per model version."""

    message = models.ForeignKey("helpdesk.Message", on_delete=models.CASCADE, related_name="predictions")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="predictions")
    intent = models.CharField(max_length=60)
    intent_confidence = models.FloatField()
    top_intents = models.JSONField(default=list)
    out_of_scope_reason = models.CharField(max_length=20, blank=True)
    sentiment = models.CharField(max_length=10)
    sentiment_score = models.FloatField()
    emotions = models.JSONField(default=dict, blank=True, help_text="Each emotion's probability (bots.ml.emotions).")
    frustration = models.FloatField(null=True, blank=True, help_text="How likely the writer is frustrated, 0..1.")
    engine = models.CharField(max_length=20, blank=True)
    latency_ms = models.FloatField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "model_version"], name="one_prediction_per_message_version")
        ]

    def __str__(self) -> str:
        return f"{self.intent} ({self.intent_confidence:.2f}) / {self.sentiment}"


class FlowState(models.Model):
    """What the bot keeps about a conversation, for itself: the flow under way and its step,
    how often it asked again, whether the customer has had an answer ("thanks" then closes),
    what it waits for, and a flow's own notes. Never shown to agents: the packet shows the
    kernel's `Conversation.collected`, the customer's facts. Written in the transaction that
    stores the bot's answer (bots/services/state.py)."""

    conversation = models.OneToOneField(
        "helpdesk.Conversation", on_delete=models.CASCADE, primary_key=True, related_name="bot_state"
    )
    flow = models.CharField(max_length=40, blank=True, help_text="The flow under way (bots/flows), or empty.")
    step = models.CharField(max_length=40, blank=True)
    tries = models.PositiveSmallIntegerField(default=0, help_text="Times the flow asked the same question again.")
    answered = models.BooleanField(default=False, help_text="The customer has had an answer.")
    awaiting = models.CharField(max_length=30, blank=True, help_text="What the bot waits for outside a flow.")
    callback_ticket = models.PositiveIntegerField(null=True, blank=True, help_text="The callback ticket it opened.")
    memory = models.JSONField(default=dict, blank=True, help_text="Flows' own notes (the article served, ...).")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.flow or 'no flow'} {self.step}".strip()


PATTERN_EMOTIONS = [(name, name) for name in (*EMOTIONS, "frustration")]


class ResponsePattern(models.Model):
    """How the bot's reply opens to a customer who writes with an emotion: an apology and a
    person at once for anger, a clarifying question for confusion, acknowledgement for sadness,
    a short confirmation for relief. Supervisors edit them in the admin; the bot applies the
    first active one (by order) whose emotion reads at or over its threshold, to the reply it
    stores (bots/services/patterns.py, which caches them per process). The flows' own texts
    stay as they are."""

    emotion = models.CharField(max_length=20, choices=PATTERN_EMOTIONS)
    threshold = models.FloatField(
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="The emotion's probability (0 to 1) from which this pattern applies.",
    )
    opening = models.CharField(max_length=300, help_text="Put before the bot's reply.")
    offer_person = models.BooleanField(default=False, help_text="Offer the customer a person with this reply.")
    order = models.PositiveSmallIntegerField(default=100, help_text="When several apply, the lowest order wins.")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.emotion} ≥ {self.threshold:g}: {self.opening[:40]}"
