from __future__ import annotations

import json

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from . import admin_kb  # noqa: F401  (registers the knowledge base's pages)
from .admin_a11y import ListLabelsMixin
from .admin_audit import AuditedAdminMixin
from .errors import ServiceError
from .models import (
    AgentProfile,
    AuditEntry,
    BotRating,
    CannedReply,
    Conversation,
    ConversationEvent,
    CsatResponse,
    Customer,
    Message,
    Order,
    OutboundEmail,
    Queue,
    Ticket,
)
from .selectors.data_requests import is_supervisor
from .services.audit import client_ip
from .services.data_requests import customer_erase, customer_export
from .services.outbox import email_retry_now


@admin.register(Queue)
class QueueAdmin(ListLabelsMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "priority",
        "is_default",
        "auto_assign",
        "escalate_after_seconds",
        "overflow_after_seconds",
        "overflow_queue",
        "offline_requeue_seconds",
    ]
    list_editable = ["priority", "is_default", "auto_assign"]
    search_fields = ["name"]


@admin.register(AgentProfile)
class AgentProfileAdmin(ListLabelsMixin, admin.ModelAdmin):
    list_display = ["display_name", "user", "max_concurrent_chats", "presence", "is_supervisor"]
    list_editable = ["max_concurrent_chats", "is_supervisor"]
    list_filter = ["presence", "is_supervisor", "queues"]
    filter_horizontal = ["queues"]
    readonly_fields = ["presence_changed_at", "open_connections", "last_assigned_at"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "external_id", "tier", "created_at"]
    list_filter = ["tier"]
    search_fields = ["name", "email", "external_id"]
    actions = ["export_personal_data", "erase_personal_data"]

    def has_supervisor_permission(self, request: HttpRequest) -> bool:
        # The actions' gate; the services check again, so no other caller can skip it.
        return is_supervisor(request.user)

    @admin.action(description="Export personal data (JSON)", permissions=["supervisor"])
    def export_personal_data(self, request: HttpRequest, queryset) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Pick exactly one customer to export.", messages.ERROR)
            return None
        customer = queryset.get()
        data = customer_export(customer=customer, actor=request.user, ip=client_ip(request.META))
        response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}-personal-data.json"'
        return response

    @admin.action(description="Erase personal data…", permissions=["supervisor"])
    def erase_personal_data(self, request: HttpRequest, queryset) -> TemplateResponse | None:
        """Asks first (like Django's own delete action); erases on the confirming POST."""
        if request.POST.get("confirmed") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": "Erase personal data?",
                "customers": list(queryset),
                "opts": self.model._meta,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/helpdesk/customer/erase_confirmation.html", context)
        for customer in queryset:
            label = f"Customer #{customer.pk}"
            try:
                erasure = customer_erase(customer=customer, actor=request.user, ip=client_ip(request.META))
            except ServiceError as error:
                self.message_user(request, f"{label}: {error.detail}", messages.ERROR)
            else:
                self.message_user(request, f"{label} erased ({erasure.describe() or 'nothing held'}).")
        return None


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["seq", "sender", "author_name", "body", "internal", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = ConversationEvent
    fields = ["created_at", "kind", "actor_type", "actor", "old_value", "new_value", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through the inbox, whose services log and push them."""

    list_display = ["id", "customer", "status", "queue", "agent", "priority", "intent", "handoff_trigger", "created_at"]
    list_filter = ["status", "queue", "priority", "handoff_trigger", "channel"]
    search_fields = ["id", "customer__email", "customer__name", "summary"]
    readonly_fields = [f.name for f in Conversation._meta.fields]
    inlines = [MessageInline, EventInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "customer", "queue", "status", "priority", "assignee", "due_at"]
    list_filter = ["status", "priority", "queue"]
    search_fields = ["subject", "customer__email"]
    raw_id_fields = ["customer", "conversation"]


@admin.register(CsatResponse)
class CsatAdmin(admin.ModelAdmin):
    list_display = ["conversation", "score", "created_at"]
    list_filter = ["score"]
    readonly_fields = ["conversation", "score", "comment", "created_at"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "status", "carrier", "tracking_number", "customer_email", "updated_at"]
    # A tracking address typed without a scheme is https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ["status", "carrier"]
    search_fields = ["number", "customer_email", "tracking_number"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "intents"]
    search_fields = ["title", "body"]


@admin.register(BotRating)
class BotRatingAdmin(admin.ModelAdmin):
    list_display = ["conversation", "agent", "helpful", "predicted_intent", "correct_intent", "created_at"]
    list_filter = ["helpful", "predicted_intent"]
    readonly_fields = ["conversation", "agent", "helpful", "predicted_intent", "correct_intent", "created_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read-only: nobody adds, edits or deletes an entry, superusers included."""

    list_display = ["created_at", "actor_name", "action", "object_type", "object_repr", "ip"]
    list_filter = ["action", "object_type", "actor"]
    search_fields = ["object_repr", "object_id", "actor_name", "note"]
    readonly_fields = [
        "created_at",
        "actor",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "changes",
        "note",
        "ip",
    ]
    date_hierarchy = "created_at"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_supervisor(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_supervisor(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """What the desk sent, what it is still trying to send, and what failed and why."""

    list_display = ["created_at", "kind", "to", "subject", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="Try again now")
    def retry_now(self, request: HttpRequest, queryset) -> None:
        for email in queryset:
            email_retry_now(email_id=email.pk)
        self.message_user(request, f"{queryset.count()} email(s) will be tried again now.", messages.SUCCESS)
