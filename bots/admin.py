from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from helpdesk.admin_a11y import ListLabelsMixin
from helpdesk.admin_audit import AuditedAdminMixin
from helpdesk.infrastructure.tasks_runner import run_task
from helpdesk.services.audit import client_ip

from .models import Intent, IntentExample, MessagePrediction, ModelVersion, ResponsePattern, TrainingJob
from .services.patterns import patterns_forget
from .services.training_jobs import (
    training_job_latest,
    training_job_start,
    training_job_summary,
    training_jobs_fail_stale,
)
from .tasks import train_intent_model


def training_job_payload(job: TrainingJob) -> dict:
    """What the intents page's training panel shows (static/js/admin/training.js)."""
    return {
        "id": job.pk,
        "status": job.status,
        "finished": job.finished,
        "progress": job.progress,
        "step": job.step,
        "summary": training_job_summary(job),
        "started_by": job.started_by.get_username() if job.started_by else "",
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "accuracy": job.accuracy,
        "oos_curve": job.oos_curve,
        "activated": job.activated,
        "reason": job.reason,
        "error": job.error,
        "version": job.version_id,
        "version_url": reverse("admin:bots_modelversion_change", args=[job.version_id]) if job.version_id else "",
    }


def examples_url(intent: Intent) -> str:
    return f"{reverse('admin:bots_intentexample_changelist')}?intent__id__exact={intent.pk}"


@admin.register(Intent)
class IntentAdmin(ListLabelsMixin, AuditedAdminMixin, admin.ModelAdmin):
    """The intents, and the model's retraining (a button: a background job, shown live). An
    intent's examples are edited in their own paginated list (IntentExampleAdmin): inline,
    ~200 of them made a 335 KB page."""

    list_display = ["name", "tier", "default_queue", "confidence_threshold", "enabled", "example_count"]
    list_editable = ["confidence_threshold", "enabled"]
    list_filter = ["tier", "default_queue", "enabled"]
    search_fields = ["name", "description", "examples__text"]
    readonly_fields = ["examples"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(_examples=Count("examples"))

    def get_urls(self):
        return [
            path("retrain/", self.admin_site.admin_view(self.retrain_view), name="bots_intent_retrain"),
            path("training/", self.admin_site.admin_view(self.training_view), name="bots_intent_training"),
            *super().get_urls(),
        ]

    @admin.display(description="examples", ordering="_examples")
    def example_count(self, intent: Intent) -> str:
        return format_html('<a href="{}">{}</a>', examples_url(intent), intent._examples)

    @admin.display(description="examples")
    def examples(self, intent: Intent) -> str:
        if intent.pk is None:
            return "Save the intent, then add its examples."
        add = f"{reverse('admin:bots_intentexample_add')}?intent={intent.pk}"
        count = intent.examples.count()
        return format_html(
            '<a href="{}">{} example{}</a> · <a href="{}">add one</a>',
            examples_url(intent),
            count,
            "" if count == 1 else "s",
            add,
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        training_jobs_fail_stale()
        job = training_job_latest()
        extra_context = {
            **(extra_context or {}),
            "training_job": job,
            "training_summary": training_job_summary(job) if job else "",
            "can_retrain": self.has_change_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def retrain_view(self, request: HttpRequest) -> HttpResponse:
        """Start a training job (or show the one under way) and return at once."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        job, created = training_job_start(actor=request.user, ip=client_ip(request.META))
        if created:
            transaction.on_commit(partial(run_task, train_intent_model, job.pk))
            self.message_user(request, f"Training #{job.pk} started; its progress shows below.", messages.SUCCESS)
        else:
            self.message_user(
                request, f"Training #{job.pk} is already under way: one training runs at a time.", messages.WARNING
            )
        return redirect("admin:bots_intent_changelist")

    def training_view(self, request: HttpRequest) -> JsonResponse:
        """The latest training job, for the page's progress bar to poll."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        training_jobs_fail_stale()
        job = training_job_latest()
        return JsonResponse({"job": training_job_payload(job) if job else None})


@admin.register(IntentExample)
class IntentExampleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """An intent's examples, 50 a page: reached from the intent's "N examples" link, which
    filters this list to it; "add one" there opens the add form with the intent chosen."""

    list_display = ["text", "intent", "source", "created_at"]
    list_filter = ["source", "intent"]
    list_select_related = ["intent"]
    list_per_page = 50
    search_fields = ["text"]


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "created_at", "training_size", "figures", "active", "forced"]
    list_filter = ["kind", "active"]
    readonly_fields = [
        "kind",
        "created_at",
        "training_size",
        "classes",
        "figures",
        "out_of_scope_curve",
        "settings",
        "forced",
        "note",
    ]
    exclude = ["head"]
    actions = ["activate"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="hold-out figures")
    def figures(self, version: ModelVersion) -> str:
        return ", ".join(f"{k} {v:.3f}" for k, v in version.metrics.items() if isinstance(v, float)) or "—"

    @admin.display(description="out-of-scope trade-off (pick the intents' thresholds from it)")
    def out_of_scope_curve(self, version: ModelVersion) -> str:
        curve = version.metrics.get("oos_curve") or []
        if not curve:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((row["threshold"], f"{row['in_scope_accuracy']:.3f}", f"{row['oos_recall']:.3f}") for row in curve),
        )
        return format_html(
            "<table><thead><tr><th>threshold</th><th>in-scope accuracy</th><th>out-of-scope recall</th></tr>"
            "</thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.action(description="Make this version active (roll back or forward)")
    def activate(self, request: HttpRequest, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Pick exactly one version.", messages.ERROR)
            return
        version = queryset.get()
        ModelVersion.objects.filter(kind=version.kind, active=True).update(active=False)
        ModelVersion.objects.filter(pk=version.pk).update(active=True, forced=True)
        self.message_user(request, f"Version {version.pk} is now active.", messages.SUCCESS)


@admin.register(MessagePrediction)
class MessagePredictionAdmin(admin.ModelAdmin):
    list_display = [
        "message",
        "intent",
        "intent_confidence",
        "sentiment",
        "sentiment_score",
        "model_version",
        "latency_ms",
    ]
    list_filter = ["intent", "sentiment"]
    readonly_fields = [f.name for f in MessagePrediction._meta.fields]


@admin.register(ResponsePattern)
class ResponsePatternAdmin(ListLabelsMixin, AuditedAdminMixin, admin.ModelAdmin):
    """The bot's wording by emotion. A save is read by this process at once (the cache is
    dropped after the commit) and by the others within patterns.REFRESH_SECONDS."""

    list_display = ["emotion", "threshold", "opening", "offer_person", "order", "active"]
    list_editable = ["threshold", "offer_person", "order", "active"]
    list_filter = ["emotion", "active", "offer_person"]
    search_fields = ["opening"]

    def save_model(self, request: HttpRequest, obj: ResponsePattern, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(patterns_forget)

    def delete_model(self, request: HttpRequest, obj: ResponsePattern) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(patterns_forget)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        super().delete_queryset(request, queryset)
        transaction.on_commit(patterns_forget)


@admin.register(TrainingJob)
class TrainingJobAdmin(admin.ModelAdmin):
    """The trainings started from the intents page, read-only: the task writes them."""

    list_display = ["id", "status", "created_at", "started_by", "finished_at", "accuracy", "activated", "version"]
    list_filter = ["status", "activated"]
    list_select_related = ["started_by", "version"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TrainingJob | None = None) -> bool:
        return False
