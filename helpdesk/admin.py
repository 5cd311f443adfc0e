from __future__ import annotations

from django.contrib import admin

from .models import (
    AgentProfile,
    Article,
    ArticleVersion,
    BotRating,
    CannedReply,
    Conversation,
    ConversationEvent,
    CsatResponse,
    Customer,
    KnowledgeGap,
    Message,
    Order,
    Queue,
    Ticket,
)


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "priority",
        "is_default",
        "auto_assign",
        "escalate_after_seconds",
        "overflow_after_seconds",
        "overflow_queue",
    ]
    list_editable = ["priority", "is_default", "auto_assign"]
    search_fields = ["name"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
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
    list_filter = ["status", "carrier"]
    search_fields = ["number", "customer_email", "tracking_number"]


class ReviewStateFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue (not served)"), ("soon", "Due within 7 days"), ("ok", "Up to date")]

    def queryset(self, request, queryset):
        from datetime import timedelta

        from django.utils import timezone

        if not self.value():
            return queryset
        now = timezone.now()
        ids = []
        for article in queryset:
            due = article.review_due_at
            state = "overdue" if due is None or due <= now else "soon" if due <= now + timedelta(days=7) else "ok"
            if state == self.value():
                ids.append(article.pk)
        return queryset.filter(pk__in=ids)


class VersionInline(admin.TabularInline):
    model = ArticleVersion
    fields = ["edited_at", "edited_by", "title", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "status",
        "owner_team",
        "owner",
        "review_due",
        "times_served",
        "times_helped",
        "times_not_helped",
    ]
    list_filter = [ReviewStateFilter, "status", "owner_team"]
    search_fields = ["title", "body"]
    actions = ["mark_reviewed"]
    inlines = [VersionInline]

    @admin.display(description="review due")
    def review_due(self, article: Article) -> str:
        due = article.review_due_at
        if due is None:
            return "never reviewed"
        return f"{due:%Y-%m-%d}" + (" (overdue)" if article.is_overdue() else "")

    @admin.action(description="Mark reviewed today")
    def mark_reviewed(self, request, queryset) -> None:
        from django.utils import timezone

        count = queryset.update(last_reviewed_at=timezone.now())
        self.message_user(request, f"{count} article(s) marked reviewed.")

    def save_model(self, request, obj: Article, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        ArticleVersion.objects.create(article=obj, title=obj.title, body=obj.body, edited_by=request.user)


@admin.register(KnowledgeGap)
class KnowledgeGapAdmin(admin.ModelAdmin):
    """Questions the bot could not place, most asked first: material for new articles."""

    list_display = ["example", "guessed_intent", "reason", "count", "last_seen", "resolved"]
    list_filter = ["resolved", "reason", "guessed_intent"]
    list_editable = ["resolved"]
    search_fields = ["example"]
    readonly_fields = ["key", "example", "guessed_intent", "reason", "count", "first_seen", "last_seen"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "intents"]
    search_fields = ["title", "body"]


@admin.register(BotRating)
class BotRatingAdmin(admin.ModelAdmin):
    list_display = ["conversation", "agent", "helpful", "predicted_intent", "correct_intent", "created_at"]
    list_filter = ["helpful", "predicted_intent"]
    readonly_fields = ["conversation", "agent", "helpful", "predicted_intent", "correct_intent", "created_at"]
