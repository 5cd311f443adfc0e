"""Input shapes of the REST API. Validation only; the services do the work."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Channel, Priority, Ticket, TicketStatus


class ConversationStartIn(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, allow_null=True, default=None)
    external_id = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True, default=None)
    # Free-form, so integrations can name their own channels ("whatsapp", "kiosk-3").
    channel = serializers.RegexField(r"^[a-z0-9][a-z0-9_.-]{0,29}$", required=False, default=Channel.WEB)
    page_url = serializers.URLField(max_length=2000, required=False, allow_blank=True, default="")
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
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class TicketIn(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    conversation_id = serializers.UUIDField(required=False, allow_null=True, default=None)
    customer_email = serializers.EmailField(required=False, allow_null=True, default=None)
    queue = serializers.CharField(required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=[p.label for p in Priority], required=False, default="normal")
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class TicketOut(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True)
    conversation = serializers.CharField(source="conversation_id", default=None, read_only=True)
    queue = serializers.CharField(source="queue.name", default=None)
    customer = serializers.CharField(source="customer.display_name")
    priority = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=TicketStatus.choices)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "subject",
            "description",
            "customer",
            "conversation",
            "queue",
            "status",
            "priority",
            "due_at",
            "created_at",
        ]

    def get_priority(self, ticket: Ticket) -> str:
        return Priority(ticket.priority).label
