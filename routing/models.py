"""Supervisor-edited routing rules, and their change history."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .rules.schema import RuleError, parse_actions, parse_conditions


class Stage(models.TextChoices):
    ON_MESSAGE = "on_message", "On each customer message (while the bot holds it)"
    ON_HANDOFF = "on_handoff", "When a conversation is handed to a human"
    PERIODIC = "periodic", "Periodically, while waiting"


def empty_conditions() -> dict:
    return {"match": "all", "items": []}


class Rule(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    order = models.PositiveIntegerField(default=100, help_text="Lower runs first.")
    enabled = models.BooleanField(default=True)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.ON_MESSAGE)
    conditions = models.JSONField(default=empty_conditions)
    actions = models.JSONField(default=list)
    stop_after = models.BooleanField(default=False, help_text="When this rule matches, later rules do not run.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["stage", "order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The schemas the engine uses decide what is valid; errors name the field."""
        errors: dict[str, list[str]] = {}
        for field, parse in (("conditions", parse_conditions), ("actions", parse_actions)):
            try:
                parse(getattr(self, field))
            except RuleError as error:
                errors[field] = [f"{where}: {problem}" for where, problem in error.errors.items()]
        if errors:
            raise ValidationError(errors)

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "order": self.order,
            "enabled": self.enabled,
            "stage": self.stage,
            "conditions": self.conditions,
            "actions": self.actions,
            "stop_after": self.stop_after,
        }


class RuleChange(models.Model):
    """Who changed which rule, when, from what to what (append-only)."""

    rule = models.ForeignKey(Rule, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes")
    rule_name = models.CharField(max_length=100)
    kind = models.CharField(max_length=12)  # created | changed | deleted | imported | reverted
    who = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.rule_name} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class RuleFiring(models.Model):
    """A periodic rule that fired for a conversation: each fires once per conversation, so a
    rule that holds for an hour acts once, not every minute (routing/escalation.py)."""

    conversation = models.ForeignKey("helpdesk.Conversation", on_delete=models.CASCADE, related_name="+")
    rule_name = models.CharField(max_length=100)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "rule_name"], name="rule_fires_once_per_conversation")
        ]

    def __str__(self) -> str:
        return f"{self.rule_name} fired at {self.at:%Y-%m-%d %H:%M}"
