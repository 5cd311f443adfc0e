"""Customer uploads: size- and type-checked, stored under a random name, announced as a
message in the conversation."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from ..errors import ServiceError
from ..models import Attachment, Conversation
from .messages import customer_message_post

# The file's own first bytes decide its type; the browser's claim and the name do not.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def attachment_add(*, conversation: Conversation, upload: UploadedFile) -> Attachment:
    if upload.size > settings.HELPDESK_MAX_UPLOAD_BYTES:
        limit = settings.HELPDESK_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise ServiceError("too_large", f"A photo may be at most {limit} MB.")
    if upload.size == 0:
        raise ServiceError("empty_file", "The file is empty.")
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise ServiceError("unsupported_type", "Only photos (JPEG, PNG, GIF or WebP) can be sent.")
    content_type, extension = kind
    name = (upload.name or "photo").rsplit("/", 1)[-1][:120]
    with transaction.atomic():
        attachment = Attachment(
            conversation=conversation, content_type=content_type, size=upload.size, original_name=name
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
        attachment.save()
        message, _ = customer_message_post(
            conversation_id=conversation.pk,
            body=f"📎 Photo: {name}",
            data={"attachment": attachment_payload(attachment)},
        )
        attachment.message = message
        attachment.save(update_fields=["message"])
    return attachment


def attachment_payload(attachment: Attachment) -> dict:
    return {
        "id": str(attachment.pk),
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": f"/api/v1/attachments/{attachment.pk}/",
    }
