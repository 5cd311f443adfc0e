"""The rule editor: each rule read as a sentence in the list and on its page, the rule builder
(routing/forms.py), ordering and enable/disable in the list, change history as a readable diff
with revert (append-only), import/export. The dry run reads the message with the
model, so it lives with the bot: bots/dry_run.py."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db import transaction
from django.forms import Media, Script
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from helpdesk.admin_a11y import ListLabelsMixin
from helpdesk.admin_audit import AuditedAdminMixin
from helpdesk.models import AuditAction
from helpdesk.services.audit import audit_object, audit_snapshot, client_ip

from .forms import RuleBuilderForm
from .models import Rule, RuleChange
from .rules.schema import ACTION_PARAMS, CONDITION_PARAMS, RuleError
from .rules.sentences import rule_diff, rule_sentence
from .services import record_change, rule_revert, rules_export, rules_import


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
class RuleAdmin(ListLabelsMixin, AuditedAdminMixin, admin.ModelAdmin):
    form = RuleBuilderForm
    # The builder's rows sit between the two fieldsets (admin/routing/rule/change_form.html).
    fieldsets = [
        (None, {"fields": ["name", "description", ("stage", "order"), ("enabled", "stop_after"), "match"]}),
        (
            "Advanced: the rule as JSON",
            {
                "classes": ["collapse"],
                "fields": ["advanced_json", "conditions", "actions"],
                "description": _reference(),
            },
        ),
    ]
    list_display = ["name", "reads", "stage", "order", "enabled", "stop_after"]
    list_editable = ["order", "enabled"]
    list_filter = ["stage", "enabled"]
    search_fields = ["name", "description"]
    actions = ["export_json"]
    change_list_template = "admin/routing/rule_changelist.html"
    change_form_template = "admin/routing/rule/change_form.html"

    @property
    def media(self) -> Media:
        # A native ES module (the site's CSP allows 'self' scripts only, none inline).
        return super().media + Media(
            js=[Script("js/admin/rule_builder.js", type="module")], css={"all": ["css/admin/rule_builder.css"]}
        )

    @admin.display(description="rule")
    def reads(self, rule: Rule) -> str:
        return rule_sentence(rule.conditions, rule.actions)

    def render_change_form(self, request: HttpRequest, context: dict, *args, **kwargs) -> HttpResponse:
        rule = context.get("original")
        context["sentence"] = rule_sentence(rule.conditions, rule.actions) if rule is not None else ""
        return super().render_change_form(request, context, *args, **kwargs)

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
            path("sentence/", self.admin_site.admin_view(self.sentence_view), name="routing_rule_sentence"),
            *super().get_urls(),
        ]

    def sentence_view(self, request: HttpRequest) -> HttpResponse:
        """The builder's live preview: the rule as its form stands now (posted whole, unsaved),
        read as the sentence the list will show. Rows that do not parse yet read as they are;
        nothing is saved or checked against other rules."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            return JsonResponse({"detail": "You may not edit routing rules."}, status=403)
        form = RuleBuilderForm(data=request.POST, instance=Rule())
        form.is_valid()  # compiles the rows (or the JSON) onto the unsaved instance
        return JsonResponse({"sentence": rule_sentence(form.instance.conditions, form.instance.actions)})

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
    """The history: append-only (no add, change or delete, not even for a superuser), each
    entry read as a diff in words against the version before it, and revertible."""

    list_display = ["at", "rule_name", "kind", "who", "summary"]
    list_filter = ["kind", "rule_name"]
    fieldsets = [
        (None, {"fields": ["rule_name", "kind", "who", "at", "what_changed"]}),
        ("The two versions as JSON", {"classes": ["collapse"], "fields": ["before", "after"]}),
    ]
    readonly_fields = ["rule_name", "kind", "who", "at", "what_changed", "before", "after"]
    actions = ["revert"]
    change_form_template = "admin/routing/rulechange/change_form.html"

    @property
    def media(self) -> Media:
        return super().media + Media(css={"all": ["css/admin/rule_builder.css"]})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="what changed")
    def summary(self, change: RuleChange) -> str:
        return ", ".join(diff.label.lower() for diff in rule_diff(change.before, change.after)) or "nothing"

    @admin.display(description="what changed")
    def what_changed(self, change: RuleChange) -> str:
        diffs = rule_diff(change.before, change.after)
        if not diffs:
            return "Nothing changed."
        rows = []
        for diff in diffs:
            lines = format_html_join(
                "",
                '<li class="rb-diff-{}"><span class="rb-mark" aria-hidden="true">{}</span> {}</li>',
                ((_MARKS[line.mark][0], _MARKS[line.mark][1], line.text) for line in diff.lines),
            )
            row = '<tr><th scope="row">{}</th><td><ul class="rb-diff">{}</ul></td></tr>'
            rows.append(format_html(row, diff.label, lines))
        return format_html('<table class="rb-diff-table">{}</table>', format_html_join("", "{}", ((r,) for r in rows)))

    def get_urls(self):
        return [
            path(
                "<int:change_id>/revert/",
                self.admin_site.admin_view(self.revert_view),
                name="routing_rulechange_revert",
            ),
            *super().get_urls(),
        ]

    def revert_view(self, request: HttpRequest, change_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request) or not request.user.has_perm("routing.change_rule"):
            return HttpResponse(status=403)
        change = get_object_or_404(RuleChange, pk=change_id)
        self._revert_one(request, change)
        self.message_user(request, f"Reverted {change.rule_name!r} to before this change.", messages.SUCCESS)
        rule = Rule.objects.filter(name=(change.before or {}).get("name", change.rule_name)).first()
        if rule is not None:
            return redirect(reverse("admin:routing_rule_change", args=[rule.pk]))
        return redirect(reverse("admin:routing_rule_changelist"))

    def _revert_one(self, request: HttpRequest, change: RuleChange) -> None:
        names = [change.rule_name] + ([change.before["name"]] if change.before else [])
        with transaction.atomic():
            before = rule_snapshots(names)
            rule_revert(change=change, who=request.user)
            audit_rules_written(request, action=AuditAction.REVERT, before=before, names=list(dict.fromkeys(names)))

    @admin.action(description="Revert: put the rule back as it was before this change", permissions=["revert"])
    def revert(self, request: HttpRequest, queryset) -> None:
        for change in queryset.order_by("-at", "-id"):
            self._revert_one(request, change)
        self.message_user(request, f"Reverted {queryset.count()} change(s).", messages.SUCCESS)

    def has_revert_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("routing.change_rule")


_MARKS = {" ": ("kept", ""), "-": ("removed", "−"), "+": ("added", "+")}
