"""The rule editor: readable rules, ordering and enable/disable in the list, field-level
errors, change history with revert, import/export. The dry run reads the message with the
model, so it lives with the bot: bots/dry_run.py."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from helpdesk.admin_audit import AuditedAdminMixin
from helpdesk.models import AuditAction
from helpdesk.services.audit import audit_object, audit_snapshot, client_ip

from .forms import ACTION_FIELDS, CONDITION_FIELDS, GuidedRuleForm
from .models import Rule, RuleChange
from .rules.schema import ACTION_PARAMS, CONDITION_PARAMS, RuleError
from .services import record_change, rule_revert, rules_export, rules_import


def describe_conditions(conditions: dict) -> str:
    items = conditions.get("items") or []
    if not items:
        return "always"
    parts = []
    for item in items:
        params = ", ".join(f"{k}={v}" for k, v in item.items() if k != "type")
        parts.append(f"{item.get('type')}({params})")
    return f" {conditions.get('match', 'all').upper()} ".join(parts) if len(parts) > 1 else parts[0]


def describe_actions(actions: list) -> str:
    return "; ".join(
        f"{a.get('type')}({', '.join(f'{k}={v}' for k, v in a.items() if k != 'type')})" for a in actions or []
    )


def _reference() -> str:
    conditions = "; ".join(f"{k}({', '.join(v)})" for k, v in CONDITION_PARAMS.items())
    actions = "; ".join(f"{k}({', '.join(v)})" for k, v in ACTION_PARAMS.items())
    return (
        'Conditions: {"match": "all" or "any", "items": [{"type": ..., params}]}. Types: '
        f'{conditions}. Actions: a list of {{"type": ..., params}}. Types: {actions}. '
        'A handoff queue of "intent" means the predicted intent\'s own queue.'
    )


def audit_rules_written(request: HttpRequest, *, action: str, before: dict[str, dict], names: list[str]) -> None:
    """One audit entry per rule an import or a revert wrote (or deleted), from snapshots taken
    before it, keyed by rule name."""
    after = {rule.name: rule for rule in Rule.objects.filter(name__in=names)}
    ip = client_ip(request.META)
    for name in names:
        rule = after.get(name)
        old = before.get(name)
        if rule is None and old is None:
            continue
        audit_object(
            actor=request.user,
            action=action,
            obj=rule or Rule(name=name),
            before=old["fields"] if old else None,
            after=audit_snapshot(rule) if rule else None,
            ip=ip,
            object_id=rule.pk if rule else old["pk"],
        )


def rule_snapshots(names: list[str]) -> dict[str, dict]:
    return {r.name: {"pk": r.pk, "fields": audit_snapshot(r)} for r in Rule.objects.filter(name__in=names)}


@admin.register(Rule)
class RuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = GuidedRuleForm
    fieldsets = [
        (None, {"fields": ["name", "description", ("stage", "order"), ("enabled", "stop_after")]}),
        ("When", {"fields": ["match", *CONDITION_FIELDS]}),
        ("Then", {"fields": ACTION_FIELDS}),
        (
            "Advanced: the rule as JSON",
            {
                "classes": ["collapse"],
                "fields": ["advanced_json", "conditions", "actions"],
                "description": _reference(),
            },
        ),
    ]
    list_display = ["name", "stage", "order", "enabled", "stop_after", "when", "then"]
    list_editable = ["order", "enabled"]
    list_filter = ["stage", "enabled"]
    search_fields = ["name", "description"]
    actions = ["export_json"]
    change_list_template = "admin/routing/rule_changelist.html"

    @admin.display(description="when")
    def when(self, rule: Rule) -> str:
        return describe_conditions(rule.conditions)

    @admin.display(description="then")
    def then(self, rule: Rule) -> str:
        return describe_actions(rule.actions)

    def save_model(self, request: HttpRequest, obj: Rule, form, change: bool) -> None:
        before = Rule.objects.get(pk=obj.pk).as_json() if change and obj.pk else None
        super().save_model(request, obj, form, change)
        record_change(
            rule=obj,
            name=obj.name,
            kind="changed" if change else "created",
            who=request.user,
            before=before,
            after=obj.as_json(),
        )

    def delete_model(self, request: HttpRequest, obj: Rule) -> None:
        snapshot = obj.as_json()
        super().delete_model(request, obj)
        record_change(rule=None, name=snapshot["name"], kind="deleted", who=request.user, before=snapshot, after=None)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for rule in list(queryset):
            self.delete_model(request, rule)

    @admin.action(description="Export the selected rules as JSON")
    def export_json(self, request: HttpRequest, queryset) -> HttpResponse:
        body = json.dumps([r.as_json() for r in queryset.order_by("stage", "order", "name")], indent=2)
        response = HttpResponse(body, content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="routing-rules.json"'
        return response

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="routing_rule_import"),
            path("export/", self.admin_site.admin_view(self.export_all_view), name="routing_rule_export"),
            *super().get_urls(),
        ]

    def export_all_view(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(json.dumps(rules_export(), indent=2), content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="routing-rules.json"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        errors: dict[str, str] = {}
        if request.method == "POST":
            raw = (
                request.FILES["file"].read().decode("utf-8", "replace")
                if "file" in request.FILES
                else (request.POST.get("json", ""))
            )
            try:
                data = json.loads(raw)
                items = data if isinstance(data, list) else []
                names = list(
                    dict.fromkeys(r["name"] for r in items if isinstance(r, dict) and isinstance(r.get("name"), str))
                )
                with transaction.atomic():
                    before = rule_snapshots(names)
                    count = rules_import(data, who=request.user)
                    audit_rules_written(request, action=AuditAction.IMPORT, before=before, names=names)
            except json.JSONDecodeError as error:
                errors = {"json": f"not valid JSON: {error}"}
            except RuleError as error:
                errors = error.errors
            else:
                self.message_user(request, f"Imported {count} rules.", messages.SUCCESS)
                return redirect(reverse("admin:routing_rule_changelist"))
        context = {**self.admin_site.each_context(request), "title": "Import routing rules", "errors": errors}
        return render(request, "admin/routing/import.html", context)


@admin.register(RuleChange)
class RuleChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "rule_name", "kind", "who"]
    list_filter = ["kind", "rule_name"]
    readonly_fields = ["rule", "rule_name", "kind", "who", "at", "before", "after"]
    actions = ["revert"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="Revert: put the rule back as it was before this change")
    def revert(self, request: HttpRequest, queryset) -> None:
        for change in queryset.order_by("-at", "-id"):
            names = [change.rule_name] + ([change.before["name"]] if change.before else [])
            with transaction.atomic():
                before = rule_snapshots(names)
                rule_revert(change=change, who=request.user)
                audit_rules_written(request, action=AuditAction.REVERT, before=before, names=list(dict.fromkeys(names)))
        self.message_user(request, f"Reverted {queryset.count()} change(s).", messages.SUCCESS)
