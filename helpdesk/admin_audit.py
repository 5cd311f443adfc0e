"""The admin side of the audit log: a mixin that records every save and delete a supervisor
makes through a ModelAdmin, field by field, into helpdesk.AuditEntry.

Put it first in the bases (`class RuleAdmin(AuditedAdminMixin, admin.ModelAdmin)`). It covers
the add and change forms, the changelist's in-list editing (Django saves those rows through
`save_model` too), inline rows, single and bulk deletes. Writes that bypass those hooks (an
admin action calling `queryset.update`, a custom view) record through `audited_update` or
`helpdesk.services.audit` themselves.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from .models import AuditAction
from .services.audit import Snapshot, audit_object, audit_snapshot, client_ip


def _stored(model: type[models.Model], pks: list[Any]) -> dict[Any, Snapshot]:
    # The database's values, not the instance's: form validation has already copied the
    # submitted values onto the instance by the time save_model runs.
    return {obj.pk: audit_snapshot(obj) for obj in model._default_manager.filter(pk__in=pks)} if pks else {}


class AuditedAdminMixin:
    def save_model(self, request: HttpRequest, obj: models.Model, form, change: bool) -> None:
        before = _stored(type(obj), [obj.pk]).get(obj.pk) if change and obj.pk is not None else None
        super().save_model(request, obj, form, change)
        audit_object(
            actor=request.user,
            action=AuditAction.CHANGE if before is not None else AuditAction.CREATE,
            obj=obj,
            before=before,
            after=audit_snapshot(obj),
            ip=client_ip(request.META),
        )

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        pk, before = obj.pk, audit_snapshot(obj)
        super().delete_model(request, obj)
        audit_object(
            actor=request.user,
            action=AuditAction.DELETE,
            obj=obj,
            before=before,
            after=None,
            ip=client_ip(request.META),
            object_id=pk,
        )

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        doomed = [(obj, obj.pk, audit_snapshot(obj)) for obj in queryset]
        super().delete_queryset(request, queryset)
        ip = client_ip(request.META)
        for obj, pk, before in doomed:
            audit_object(
                actor=request.user, action=AuditAction.DELETE, obj=obj, before=before, after=None, ip=ip, object_id=pk
            )

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        """Inline rows (an intent's examples): each added, changed or deleted row is an entry."""
        model = formset.model
        changed = [f.instance.pk for f in formset.forms if f.instance.pk is not None and f.has_changed()]
        # Deleting clears an instance's pk, so remember each doomed instance's pk by identity.
        doomed = {id(f.instance): f.instance.pk for f in formset.deleted_forms if f.instance.pk is not None}
        before = _stored(model, changed + list(doomed.values()))
        super().save_formset(request, form, formset, change)
        ip = client_ip(request.META)
        for obj in formset.new_objects:
            audit_object(
                actor=request.user, action=AuditAction.CREATE, obj=obj, before=None, after=audit_snapshot(obj), ip=ip
            )
        for obj, _fields in formset.changed_objects:
            audit_object(
                actor=request.user,
                action=AuditAction.CHANGE,
                obj=obj,
                before=before.get(obj.pk),
                after=audit_snapshot(obj),
                ip=ip,
            )
        for obj in formset.deleted_objects:
            pk = doomed.get(id(obj))
            audit_object(
                actor=request.user,
                action=AuditAction.DELETE,
                obj=obj,
                before=before.get(pk),
                after=None,
                ip=ip,
                object_id=pk,
            )

    def audited_update(self, request: HttpRequest, queryset, **values: Any) -> int:
        """`queryset.update(**values)` with an entry per row that changed (admin actions)."""
        rows = list(queryset)
        count = queryset.model._default_manager.filter(pk__in=[r.pk for r in rows]).update(**values)
        after = _stored(queryset.model, [r.pk for r in rows])
        ip = client_ip(request.META)
        for row in rows:
            audit_object(
                actor=request.user,
                action=AuditAction.CHANGE,
                obj=row,
                before=audit_snapshot(row),
                after=after.get(row.pk),
                ip=ip,
            )
        return count
