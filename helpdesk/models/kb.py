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
    """A question the bot could not place (out of scope, or an answer that did not help),
    grouped by its wording and the intent the model half-guessed."""

    key = models.CharField(max_length=200, unique=True)
    example = models.CharField(max_length=1000)
    guessed_intent = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=20)  # out_of_scope | not_helped
    count = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)
    resolved = models.BooleanField(default=False, help_text="An article now covers it.")

    class Meta:
        ordering = ["resolved", "-count", "-last_seen"]

    def __str__(self) -> str:
        return self.example[:80]
