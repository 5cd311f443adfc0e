"""Response shapes for the OpenAPI schema (/api/schema/). Documentation only: the views build
their answers from selectors; these say what those answers look like, so clients and the
schema fuzz test (tests/security/test_api_schema_fuzz.py) can hold the API to them."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from ..models import ConversationStatus


class ErrorOut(serializers.Serializer):
    """A refusal: `{"code", "detail"}` from the helpdesk, `{"detail"}` from authentication,
    permissions and throttling."""

    code = serializers.CharField(required=False)
    detail = serializers.CharField()


class TokenOut(serializers.Serializer):
    token = serializers.CharField()


class CustomerStateOut(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=ConversationStatus.choices)
    queue = serializers.CharField(allow_null=True)
    agent_name = serializers.CharField(allow_null=True)
    last_seq = serializers.IntegerField(min_value=0)
    csat_pending = serializers.BooleanField()
    position = serializers.IntegerField(required=False, min_value=1)
    estimated_wait_seconds = serializers.IntegerField(required=False, min_value=0)


class AttachmentOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(min_value=1)
    url = serializers.CharField()


class AttachmentUploadIn(serializers.Serializer):
    file = serializers.FileField(help_text="A photo: JPEG, PNG, GIF or WebP (type read from the bytes).")


class AgentOut(serializers.Serializer):
    id = serializers.CharField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    presence = serializers.CharField()
    is_supervisor = serializers.BooleanField()
    max_concurrent_chats = serializers.IntegerField()
    queues = serializers.ListField(child=serializers.CharField())


class QueueLoadOut(serializers.Serializer):
    name = serializers.CharField()
    waiting = serializers.IntegerField(min_value=0)


class InboxOut(serializers.Serializer):
    queued = serializers.ListField(child=serializers.DictField(), help_text="Conversation summaries, waiting.")
    mine = serializers.ListField(child=serializers.DictField(), help_text="Conversation summaries I hold.")
    with_bot = serializers.ListField(child=serializers.DictField(), help_text="Supervisors: with the bot.")
    agent = AgentOut()
    queues = QueueLoadOut(many=True)


def refused(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorOut, description=description)


# 400s are either a helpdesk refusal ({"code", "detail"}) or DRF's field errors
# ({"<field>": ["..."]}): any JSON object.
BAD_REQUEST = OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: {code, detail} or field errors.")
UNAUTHENTICATED = refused("No credentials, or a bad or expired token.")
FORBIDDEN = refused("Not allowed (not an agent, another queue's conversation, CSRF).")
NOT_FOUND = refused("No such resource for these credentials.")
THROTTLED = refused("Too many requests; see Retry-After.")


# What Python's str.strip() removes, spelled out: \s means something else in JSON Schema's
# (ECMA) regular expressions.
_PY_WHITESPACE = r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


class StrictCharFieldExtension(OpenApiSerializerFieldExtension):
    """Our string fields refuse NUL characters (DRF's ProhibitNullCharactersValidator, as the
    database cannot store them) and, where blank is not allowed, whitespace alone (trimmed
    first); the schema says so, or a schema-valid value would be refused with no reason the
    schema gives."""

    target_class = "helpdesk.api.serializers.StrictCharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if not self.target.allow_blank and self.target.trim_whitespace:
            # Trimmed, then checked for blank: it needs one character that is not whitespace.
            schema.setdefault("pattern", rf"^[^\u0000]*[^{_PY_WHITESPACE}\u0000][^\u0000]*$")
        schema.setdefault("pattern", r"^[^\u0000]*$")
        return schema
