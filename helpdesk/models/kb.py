from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Article(models.Model):
    """A knowledge-base article with an owner and a review cycle. The bot serves only
    published articles whose review is not overdue."""

    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    intents = models.JSONField(default=list, blank=True, help_text='Intents it answers, e.g. ["shipping_info"].')
    steps = models.JSONField(
        default=list, blank=True, help_text="Troubleshooting steps the bot walks through, one text each."
    )
    url = models.URLField(blank=True, help_text="Where the article lives on the help centre, if it has a page.")
    owner_team = models.ForeignKey("helpdesk.Queue", on_delete=models.SET_NULL, null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    status = models.CharField(max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    review_interval_days = models.PositiveIntegerField(default=90)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    times_served = models.PositiveIntegerField(default=0)
    times_helped = models.PositiveIntegerField(default=0)
    times_not_helped = models.PositiveIntegerField(default=0)
    reminded_for_due = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def review_due_at(self):
        if self.last_reviewed_at is None:
            return None
        return self.last_reviewed_at + timedelta(days=self.review_interval_days)

    def is_overdue(self, now=None) -> bool:
        due = self.review_due_at
        return due is None or due <= (now or timezone.now())


class ArticleVersion(models.Model):
    """Every saved edit of an article: who, when, what it said."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    title = models.CharField(max_length=200)
    body = models.TextField()
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    edited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-edited_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.edited_at:%Y-%m-%d %H:%M})"


class KnowledgeGap(models.Model):
    """Questions the bot could not answer (below the knowledge base's floor, out of scope, or
    an answer that did not help), grouped by meaning: a new question joins the gap whose first
    question it is closest to (`vector`), when close enough."""

    key = models.CharField(max_length=200, unique=True)
    example = models.CharField(max_length=1000)
    guessed_intent = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=20)  # out_of_scope | not_helped
    count = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)
    resolved = models.BooleanField(default=False, help_text="An article now covers it.")
    examples = models.JSONField(default=list, blank=True, editable=False)  # a few other wordings
    vector = models.BinaryField(null=True, editable=False)  # the first question's meaning
    draft = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="gaps", editable=False
    )

    class Meta:
        ordering = ["resolved", "-count", "-last_seen"]

    def __str__(self) -> str:
        return self.example[:80]


class ArticlePassage(models.Model):
    """A passage of an article (or its title, `position` -1) with the encoder's vector of it:
    what the bot searches (bots/services/knowledge.py). Stored so that no process re-embeds
    the knowledge base when it starts; rewritten whenever its article changes."""

    TITLE = -1

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="passages")
    position = models.SmallIntegerField()
    heading = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    vector = models.BinaryField()  # float32, unit length
    encoder = models.CharField(max_length=60)  # which encoder wrote it: another one re-embeds

    class Meta:
        ordering = ["article_id", "position"]
        constraints = [models.UniqueConstraint(fields=["article", "position"], name="passage_once")]

    def __str__(self) -> str:
        return f"{self.article_id}#{self.position}"


class KnowledgeBaseSettings(models.Model):
    """The knowledge base's own settings (one row): where the bot answers, offers a choice or
    says it does not know, and the version stamp every process checks to see that an article
    changed (one indexed read a second, not a scan)."""

    answer_at = models.FloatField(
        default=0.62, help_text="Answer directly when the best article scores at least this ..."
    )
    lead = models.FloatField(default=0.04, help_text="... and leads the next article by at least this.")
    offer_at = models.FloatField(
        default=0.24, help_text="Otherwise offer the close articles (two or three) that score at least this."
    )
    offer_within = models.FloatField(default=0.10, help_text="“Close”: within this of the best article's score.")
    curve = models.JSONField(
        default=list, blank=True, editable=False, help_text="The trade-off measured on a question set."
    )
    curve_source = models.CharField(max_length=200, blank=True, editable=False)
    index_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = "knowledge base settings"
        verbose_name_plural = "knowledge base settings"

    def __str__(self) -> str:
        return "Knowledge base settings"

    @classmethod
    def current(cls) -> KnowledgeBaseSettings:
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row


class AnswerOutcome(models.TextChoices):
    SERVED = "served", "Served (no word yet)"
    HELPED = "helped", "Helped"
    NOT_HELPED = "not_helped", "Did not help"
    HANDED_OFF = "handed_off", "Handed to a person after"
    LEFT = "left", "Customer left"


class KnowledgeAnswer(models.Model):
    """Every answer the bot gave from the knowledge base (or choice it offered), and what came
    of it: content performance per article reads these rows."""

    conversation = models.ForeignKey("helpdesk.Conversation", on_delete=models.CASCADE, related_name="kb_answers")
    question = models.CharField(max_length=1000)
    article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, related_name="answers")
    passage = models.TextField(blank=True)
    score = models.FloatField()
    kind = models.CharField(max_length=10)  # answer | choice
    outcome = models.CharField(max_length=12, choices=AnswerOutcome.choices, default=AnswerOutcome.SERVED)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["conversation", "outcome"])]

    def __str__(self) -> str:
        return f"{self.question[:60]} → {self.article_id}"
