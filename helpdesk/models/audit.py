from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    CHANGE = "change", "Changed"
    DELETE = "delete", "Deleted"
    REVERT = "revert", "Reverted"
    IMPORT = "import", "Imported"
    EXPORT = "export", "Exported personal data"
    ERASE = "erase", "Erased personal data"


class AuditEntry(models.Model):
    """Who changed what the desk runs on (routing rules, queues, intents, articles) or touched a
    customer's personal data, when, from where, and each field's old and new value.

    Append-only, like the conversation event log: rows are never updated or deleted through the
    ORM, and the admin shows them read-only. The actor's username is copied, so the entry still
    says who after the account is deleted.
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, help_text="app_label.model, e.g. routing.rule")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    # {field: [old, new]}; null on the side that did not exist (create, delete).
    changes = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.actor_name or 'system'} {self.action} {self.object_type} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("AuditEntry is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("AuditEntry is append-only")
