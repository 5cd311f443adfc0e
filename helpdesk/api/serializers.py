"""Input shapes of the REST API. Validation only; the services do the work."""

from __future__ import annotations

import re

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Channel, Priority, Ticket, TicketEvent, TicketStatus


class _JsonString:
    """A JSON string, nothing else. DRF's string fields turn 0 or 1.5 into "0" and "1.5" (and its
    UUIDField turns 0 into a UUID), so a client's type error passed silently where the schema
    says string; the schema fuzz test found it."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(_JsonString, serializers.CharField):
    pass


class StrictEmailField(_JsonString, serializers.EmailField):
    pass


class StrictRegexField(_JsonString, serializers.RegexField):
    pass


class StrictUUIDField(_JsonString, serializers.UUIDField):
    pass


# No ASCII control or space anywhere. Spelled out rather than \s, whose meaning differs between
# Python's re and the ECMA regex of JSON Schema.
PAGE_URL_PATTERN = r"^https?://[^/?#\u0000-\u0020\u007f]+([/?#][^\u0000-\u0020\u007f]*)?$"


@extend_schema_field({"type": "string", "pattern": PAGE_URL_PATTERN, "maxLength": 2000})
class PageUrlField(StrictCharField):
    """An http(s) address with a host. Not Django's URLField: that one refuses host names
    without a dot ("http://shop/"), so a widget on an intranet page could not start a chat, and
    the value is only ever shown as text and matched by routing rules."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value and not re.match(PAGE_URL_PATTERN, value):
            raise serializers.ValidationError("Enter an http:// or https:// address.")
        return value


class ConversationStartIn(serializers.Serializer):
    name = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    email = StrictEmailField(max_length=254, required=False, allow_blank=True, allow_null=True, default=None)
    external_id = StrictCharField(max_length=200, required=False, allow_blank=True, allow_null=True, default=None)
    # Free-form, so integrations can name their own channels ("whatsapp", "kiosk-3").
    channel = StrictRegexField(r"^[a-z0-9][a-z0-9_.-]{0,29}$", required=False, default=Channel.WEB)
    page_url = PageUrlField(max_length=2000, required=False, allow_blank=True, default="", trim_whitespace=False)
    metadata = serializers.DictField(required=False, default=dict)

    def validate_metadata(self, value: dict) -> dict:
        import json

        if len(json.dumps(value)) > 8000:
            raise serializers.ValidationError("metadata may be at most 8,000 characters of JSON.")
        return value


class ConversationStartOut(serializers.Serializer):
    id = serializers.CharField()
    token = serializers.CharField()
    ws_url = serializers.CharField()


class TokenIn(serializers.Serializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=256, trim_whitespace=False)


class TicketIn(serializers.Serializer):
    subject = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True, default="")
    conversation_id = StrictUUIDField(required=False, allow_null=True, default=None)
    customer_email = StrictEmailField(required=False, allow_null=True, default=None)
    queue = StrictCharField(required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=[p.label for p in Priority], required=False, default="normal")
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class TicketAssigneeOut(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class TicketOut(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True)
    conversation = serializers.CharField(source="conversation_id", default=None, read_only=True)
    queue = serializers.CharField(source="queue.name", default=None)
    customer = serializers.CharField(source="customer.display_name")
    customer_email = serializers.CharField(source="customer.email", default=None, allow_null=True)
    priority = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=TicketStatus.choices)
    assignee = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "subject",
            "description",
            "customer",
            "customer_email",
            "conversation",
            "queue",
            "status",
            "priority",
            "assignee",
            "due_at",
            "overdue",
            "created_at",
            "updated_at",
        ]

    def get_priority(self, ticket: Ticket) -> str:
        return Priority(ticket.priority).label

    @extend_schema_field(TicketAssigneeOut(allow_null=True))
    def get_assignee(self, ticket: Ticket) -> dict | None:
        """Who claimed it (the agent's display name), or null while nobody has."""
        if ticket.assignee_id is None:
            return None
        profile = getattr(ticket.assignee, "agent", None)
        name = profile.display_name if profile else ticket.assignee.get_username()
        return {"id": str(ticket.assignee_id), "name": name}

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, ticket: Ticket) -> bool:
        """Still waiting on the desk (open) after its due time."""
        return bool(ticket.status == TicketStatus.OPEN and ticket.due_at and ticket.due_at < timezone.now())


class TicketEventOut(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True)
    actor = serializers.CharField(source="actor_name")
    email_to = serializers.CharField(source="email.to", default=None, allow_null=True)
    email_status = serializers.CharField(source="email.status", default=None, allow_null=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "body", "email_to", "email_status", "created_at"]


class TranscriptMessageOut(serializers.Serializer):
    """A message of the ticket's chat: the packet's message `M` (docs/protocol.md §4.4)."""

    id = serializers.CharField()
    seq = serializers.IntegerField(allow_null=True)
    sender = serializers.CharField()
    author_name = serializers.CharField(allow_null=True, allow_blank=True)
    body = serializers.CharField(allow_blank=True)
    internal = serializers.BooleanField(required=False)
    created_at = serializers.CharField()


class TicketDetailOut(serializers.Serializer):
    ticket = TicketOut()
    events = TicketEventOut(many=True)
    history = TranscriptMessageOut(many=True)


class TicketReplyIn(serializers.Serializer):
    body = StrictCharField(max_length=10_000)


class TicketCloseIn(serializers.Serializer):
    note = StrictCharField(max_length=2_000, required=False, allow_blank=True, default="")
