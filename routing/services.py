"""Writes to the rule set: seeding, saving with history, import, revert."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from .defaults import DEFAULT_RULES
from .models import Rule, RuleChange
from .rules.loader import forget
from .rules.schema import RuleError

FIELDS = ("description", "order", "enabled", "stage", "conditions", "actions", "stop_after")


def record_change(*, rule: Rule | None, name: str, kind: str, who: AbstractBaseUser | None, before, after) -> None:
    RuleChange.objects.create(rule=rule, rule_name=name, kind=kind, who=who, before=before, after=after)
    transaction.on_commit(forget)


@transaction.atomic
def rules_import(data: list[dict], *, who: AbstractBaseUser | None = None, kind: str = "imported") -> int:
    """Create or update rules by name from exported JSON. Every rule is validated first; one
    bad rule rejects the whole import (nothing half-applied)."""
    if not isinstance(data, list):
        raise RuleError({"import": "must be a JSON list of rules"})
    errors: dict[str, str] = {}
    staged = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            errors[f"[{index}].name"] = "is required"
            continue
        rule = Rule.objects.filter(name=item["name"]).first() or Rule(name=item["name"])
        before = rule.as_json() if rule.pk else None
        for field in FIELDS:
            if field in item:
                setattr(rule, field, item[field])
        try:
            rule.full_clean()
        except Exception as error:  # ValidationError: collect, report them all
            for field, messages in getattr(error, "message_dict", {"rule": [str(error)]}).items():
                errors[f"[{index}] {item['name']}.{field}"] = "; ".join(messages)
            continue
        staged.append((rule, before))
    if errors:
        raise RuleError(errors)
    for rule, before in staged:
        rule.save()
        record_change(rule=rule, name=rule.name, kind=kind, who=who, before=before, after=rule.as_json())
    return len(staged)


def rules_export() -> list[dict]:
    return [rule.as_json() for rule in Rule.objects.order_by("stage", "order", "name")]


@transaction.atomic
def rule_revert(*, change: RuleChange, who: AbstractBaseUser | None) -> Rule | None:
    """Put a rule back as it was before `change` (a rule created by it is deleted)."""
    if change.before is None:
        rule = Rule.objects.filter(name=change.rule_name).first()
        if rule is not None:
            snapshot = rule.as_json()
            rule.delete()
            record_change(rule=None, name=change.rule_name, kind="reverted", who=who, before=snapshot, after=None)
        return None
    rules_import([change.before], who=who, kind="reverted")
    return Rule.objects.get(name=change.before["name"])


def rules_seed() -> int:
    """The default rules, added when missing (supervisors' edits are kept)."""
    missing = [r for r in DEFAULT_RULES if not Rule.objects.filter(name=r["name"]).exists()]
    return rules_import(missing, kind="created") if missing else 0


def seed_demo_hook(*, stdout) -> None:
    created = rules_seed()
    stdout.write(f"  routing rules: {Rule.objects.count()} ({created} new)")
