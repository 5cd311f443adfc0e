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
    owner_team = models.ForeignKey("helpdesk.Queue", on_delete=models.SET_NULL, null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    status = models.CharField(max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    review_interval_days = models.PositiveIntegerField(default=90)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    times_served = models.PositiveIntegerField(default=0)
    times_helped = models.PositiveIntegerField(default=0)
    times_not_helped = models.PositiveIntegerField(default=0)
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
