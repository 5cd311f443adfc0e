"""Handoff triggers as metrics.md names them: a handoff for the customer's frustration, its rise,
anger in words or a threat to leave, dispute or sue is recorded as `negative_sentiment` (it was
`frustration`, a name the spec's list of `escalation_by_trigger` keys does not have).

Every rule whose handoff records `frustration`, shipped or a supervisor's own, records
`negative_sentiment` from now on, with the change in the rule's history, by nobody (the
migration). Conversations already handed over keep their history: helpdesk's 0010 renames
their recorded trigger, so the scorecard splits old and new alike.
"""

from django.db import migrations

OLD, NEW = "frustration", "negative_sentiment"
FIELDS = ("description", "order", "enabled", "stage", "conditions", "actions", "stop_after")


def _as_json(rule) -> dict:
    return {"name": rule.name, **{field: getattr(rule, field) for field in FIELDS}}


def _renamed(actions, old: str, new: str):
    return [
        {**action, "trigger": new} if isinstance(action, dict) and action.get("trigger") == old else action
        for action in actions or []
    ]


def _rename(apps, old: str, new: str) -> None:
    Rule = apps.get_model("routing", "Rule")
    RuleChange = apps.get_model("routing", "RuleChange")
    for rule in Rule.objects.all():
        actions = _renamed(rule.actions, old, new)
        if actions == rule.actions:
            continue
        before = _as_json(rule)
        rule.actions = actions
        rule.save(update_fields=["actions"])
        RuleChange.objects.create(rule=rule, rule_name=rule.name, kind="changed", before=before, after=_as_json(rule))


def forward(apps, schema_editor):
    _rename(apps, OLD, NEW)


def backward(apps, schema_editor):
    # Only the shipped frustration rules go back: a polarity rule of a supervisor's that always
    # recorded negative_sentiment cannot be told apart from them, so it keeps it.
    shipped = {
        "Threats to leave, dispute or sue",
        "A frustrated customer",
        "Anger in so many words",
        "Frustration rising",
    }
    Rule = apps.get_model("routing", "Rule")
    for rule in Rule.objects.filter(name__in=shipped):
        rule.actions = _renamed(rule.actions, NEW, OLD)
        rule.save(update_fields=["actions"])


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0004_anger_in_more_words"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
