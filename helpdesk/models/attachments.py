from __future__ import annotations

import uuid

from django.db import models


class Attachment(models.Model):
    """A file a customer sent (a photo of a damaged item). Stored under a random name, its
    type read from the bytes themselves, never trusted from the upload."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey("helpdesk.Conversation", on_delete=models.CASCADE, related_name="attachments")
    message = models.OneToOneField(
        "helpdesk.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="attachment"
    )
    file = models.FileField(upload_to="attachments/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name
