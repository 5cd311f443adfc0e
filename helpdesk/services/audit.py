"""The audit log's one write path: who changed what, field by field."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.dateparse import parse_datetime

from ..models import AuditEntry

Snapshot = dict[str, Any]


def _json_ready(value: Any) -> Any:
    # Dates, decimals and UUIDs as the JSON column will hold them, so a diff compares like
    # with like.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def audit_snapshot(obj: models.Model) -> Snapshot:
    """An object's audited fields as JSON values: every concrete field but the primary key,
    the timestamps Django keeps itself and binary blobs. A foreign key shows as its id."""
    values: Snapshot = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or isinstance(field, models.BinaryField):
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        values[field.name] = _json_ready(field.value_from_object(obj))
    return values


def _same(old: Any, new: Any) -> bool:
    if old == new:
        return True
    # The admin's date/time widgets post whole seconds, so saving a form truncates a stored
    # timestamp's fraction; nobody changed it, and the log should not say they did. Only that
    # exact case: a new value with a fraction is a real change, however close.
    if isinstance(old, str) and isinstance(new, str):
        old_time, new_time = parse_datetime(old), parse_datetime(new)
        if old_time is not None and new_time is not None and new_time.microsecond == 0:
            return old_time.replace(microsecond=0) == new_time
    return False


def audit_diff(before: Snapshot | None, after: Snapshot | None) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that differ; one side is None for a create or a delete."""
    before, after = before or {}, after or {}
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if not _same(before.get(name), after.get(name))
    }


def object_type_of(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.label_lower


def client_ip(meta: dict[str, Any]) -> str | None:
    """REMOTE_ADDR when it is an address (behind a proxy it is the proxy's)."""
    raw = (meta.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    object_type: str,
    object_id: object = "",
    object_repr: str = "",
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry. Call it inside the transaction that makes the change, so the entry
    and the change commit or roll back together."""
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=user.get_username() if user is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id if object_id is not None else "")[:64],
        object_repr=object_repr[:200],
        changes=_json_ready(changes or {}),
        note=note[:300],
        ip=ip,
    )


def audit_object(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: models.Model,
    before: Snapshot | None,
    after: Snapshot | None,
    ip: str | None = None,
    object_id: object = None,
) -> AuditEntry | None:
    """Record a change to `obj` from two snapshots. A change that changed nothing (a form
    saved as it was) records nothing and returns None; a create or a delete always records."""
    changes = audit_diff(before, after)
    if before is not None and after is not None and not changes:
        return None
    return audit_record(
        actor=actor,
        action=action,
        object_type=object_type_of(obj),
        object_id=obj.pk if object_id is None else object_id,
        object_repr=str(obj),
        changes=changes,
        ip=ip,
    )
