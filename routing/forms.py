"""A guided rule form: rows of "when" and "then" a supervisor fills in without writing JSON.

The rows compile to the same JSON the engine reads, and that JSON goes through the same
schema, so a mistake comes back on the row that made it. The raw JSON stays editable under
"Advanced" for anything the rows cannot express.
"""

from __future__ import annotations

from typing import Any

from django import forms

from .models import Rule
from .rules.schema import ACTION_PARAMS, CONDITION_PARAMS, PRIORITIES, RuleError, parse_actions, parse_conditions

CONDITION_ROWS = 4
ACTION_ROWS = 3

CONDITION_HELP = {
    "intent_in": "intents, comma-separated: billing_dispute, complaint",
    "confidence_below": "0 to 1, e.g. 0.5",
    "confidence_above": "0 to 1",
    "sentiment_is": "negative, neutral or positive",
    "sentiment_below": "-1 to 1, e.g. -0.8",
    "sentiment_above": "-1 to 1",
    "negative_streak_at_least": "a count, e.g. 2",
    "frustration_at_least": "0 to 1, e.g. 0.5",
    "emotion_at_least": "an emotion and 0 to 1, e.g. anger 0.5",
    "frustration_rising": "by, over turns, e.g. 0.25 over 3",
    "tier_in": "standard, vip, enterprise (comma-separated)",
    "recent_conversations_at_least": "count in days, e.g. 3 in 7",
    "text_contains": "words or phrases, comma-separated",
    "text_matches": "a regular expression",
    "bot_failures_at_least": "a count",
    "channel_is": "a channel, e.g. web",
    "page_url_contains": "text in the page URL",
    "business_hours": "inside or outside",
    "queue_wait_longer_than": "seconds",
}


def _condition_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(k, f"{k.replace('_', ' ')}  ({CONDITION_HELP[k]})") for k in CONDITION_PARAMS]


def _number(text: str) -> Any:
    try:
        return int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return text  # the schema will name the problem


def condition_from_row(kind: str, value: str) -> dict:
    value = value.strip()
    item: dict[str, Any] = {"type": kind}
    params = CONDITION_PARAMS[kind]
    if kind == "recent_conversations_at_least":
        parts = value.replace("days", "").replace("day", "").split("in")
        item["count"] = _number(parts[0].strip()) if parts and parts[0].strip() else None
        item["days"] = _number(parts[1].strip()) if len(parts) > 1 and parts[1].strip() else None
        return item
    if kind == "emotion_at_least":
        parts = value.split()
        item["emotion"] = parts[0].lower() if parts else None
        item["value"] = _number(parts[1]) if len(parts) > 1 else None
        return item
    if kind == "frustration_rising":
        parts = value.replace("turns", "").replace("turn", "").split("over")
        item["by"] = _number(parts[0].strip()) if parts and parts[0].strip() else None
        item["turns"] = _number(parts[1].strip()) if len(parts) > 1 and parts[1].strip() else None
        return item
    ((name, kind_of_value),) = params.items()
    if kind_of_value in ("strings", "tiers"):
        item[name] = [v.strip() for v in value.split(",") if v.strip()]
    elif kind_of_value in ("unit", "score", "count", "seconds"):
        item[name] = _number(value) if value else None
    elif kind_of_value == "bool":
        item[name] = {"inside": True, "yes": True, "true": True, "outside": False, "no": False, "false": False}.get(
            value.lower(), value or None
        )
    else:
        item[name] = value or None
    return item


def condition_to_row(item: dict) -> tuple[str, str]:
    kind = item.get("type", "")
    if kind == "recent_conversations_at_least":
        return kind, f"{item.get('count', '')} in {item.get('days', '')}"
    if kind == "emotion_at_least":
        return kind, f"{item.get('emotion', '')} {item.get('value', '')}"
    if kind == "frustration_rising":
        return kind, f"{item.get('by', '')} over {item.get('turns', '')}"
    if kind not in CONDITION_PARAMS:
        return kind, ""
    ((name, _),) = CONDITION_PARAMS[kind].items()
    value = item.get(name, "")
    if isinstance(value, list):
        return kind, ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return kind, "inside" if value else "outside"
    return kind, "" if value is None else str(value)


class GuidedRuleForm(forms.ModelForm):
    match = forms.ChoiceField(
        choices=[("all", "all of these hold"), ("any", "any of these holds")],
        initial="all",
        label="When",
        required=False,
    )
    advanced_json = forms.BooleanField(required=False, label="Use the JSON below instead of the rows (advanced)")

    class Meta:
        model = Rule
        fields = ["name", "description", "stage", "order", "enabled", "stop_after", "conditions", "actions"]
        widgets = {
            "conditions": forms.Textarea(attrs={"rows": 4, "cols": 90}),
            "actions": forms.Textarea(attrs={"rows": 3, "cols": 90}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["conditions"].required = False
        self.fields["actions"].required = False
        from helpdesk.models import Queue

        queues = [("", "—"), ("intent", "the intent's own queue")] + [
            (q, q) for q in Queue.objects.values_list("name", flat=True)
        ]
        for i in range(ACTION_ROWS):
            self.fields[f"then_{i}_queue"].choices = queues
        rule: Rule | None = self.instance if self.instance and self.instance.pk else None
        if rule is not None and not self.is_bound:
            self.initial["match"] = (rule.conditions or {}).get("match", "all")
            for i, item in enumerate((rule.conditions or {}).get("items", [])[:CONDITION_ROWS]):
                self.initial[f"if_{i}_type"], self.initial[f"if_{i}_value"] = condition_to_row(item)
            for i, action in enumerate((rule.actions or [])[:ACTION_ROWS]):
                self.initial[f"then_{i}_type"] = action.get("type", "")
                self.initial[f"then_{i}_queue"] = action.get("queue", "")
                self.initial[f"then_{i}_trigger"] = action.get("trigger", "")
                self.initial[f"then_{i}_priority"] = action.get("priority", "")
                self.initial[f"then_{i}_text"] = action.get("tag") or action.get("message") or ""

    def _rows_to_json(self, data: dict) -> tuple[dict, list]:
        items = [
            condition_from_row(data[f"if_{i}_type"], data.get(f"if_{i}_value") or "")
            for i in range(CONDITION_ROWS)
            if data.get(f"if_{i}_type")
        ]
        actions = []
        for i in range(ACTION_ROWS):
            kind = data.get(f"then_{i}_type")
            if not kind:
                continue
            action: dict[str, Any] = {"type": kind}
            text = (data.get(f"then_{i}_text") or "").strip()
            if kind == "handoff":
                action["queue"] = data.get(f"then_{i}_queue") or None
                action["trigger"] = (data.get(f"then_{i}_trigger") or "").strip() or None
                if data.get(f"then_{i}_priority"):
                    action["priority"] = data[f"then_{i}_priority"]
            elif kind == "set_priority":
                action["priority"] = data.get(f"then_{i}_priority") or None
            elif kind == "add_tag":
                action["tag"] = text or None
            elif kind == "notify_supervisors" and text:
                action["message"] = text
            actions.append(action)
        return {"match": data.get("match") or "all", "items": items}, actions

    def clean(self) -> dict:
        data = super().clean()
        rows_used = any(data.get(f"if_{i}_type") for i in range(CONDITION_ROWS)) or any(
            data.get(f"then_{i}_type") for i in range(ACTION_ROWS)
        )
        if rows_used and not data.get("advanced_json"):
            data["conditions"], data["actions"] = self._rows_to_json(data)
            self._row_errors(data)
        for field in ("conditions", "actions"):
            if data.get(field) is None:
                data[field] = {"match": "all", "items": []} if field == "conditions" else []
        self.instance.conditions = data["conditions"]
        self.instance.actions = data["actions"]
        return data

    def _row_errors(self, data: dict) -> None:
        """Put the schema's complaints on the rows that caused them."""
        condition_rows = [i for i in range(CONDITION_ROWS) if data.get(f"if_{i}_type")]
        action_rows = [i for i in range(ACTION_ROWS) if data.get(f"then_{i}_type")]
        try:
            parse_conditions(data["conditions"])
        except RuleError as error:
            for where, problem in error.errors.items():
                index = _index(where, "conditions.items[")
                field = (
                    f"if_{condition_rows[index]}_value" if index is not None and index < len(condition_rows) else None
                )
                self.add_error(field, f"{where}: {problem}")
        try:
            parse_actions(data["actions"])
        except RuleError as error:
            for where, problem in error.errors.items():
                index = _index(where, "actions[")
                known = index is not None and index < len(action_rows)
                field = f"then_{action_rows[index]}_type" if known else None
                self.add_error(field, f"{where}: {problem}")


def _index(where: str, prefix: str) -> int | None:
    if not where.startswith(prefix):
        return None
    try:
        return int(where[len(prefix) :].split("]")[0])
    except ValueError:
        return None


def _declare_rows() -> None:
    """The row fields, declared on the class so the admin's fieldsets can place them."""
    rows: dict[str, forms.Field] = {}
    for i in range(CONDITION_ROWS):
        rows[f"if_{i}_type"] = forms.ChoiceField(
            choices=_condition_choices(), required=False, label=f"Condition {i + 1}"
        )
        rows[f"if_{i}_value"] = forms.CharField(
            required=False, label="value", max_length=500, widget=forms.TextInput(attrs={"size": 70})
        )
    for i in range(ACTION_ROWS):
        rows[f"then_{i}_type"] = forms.ChoiceField(
            choices=[("", "—")] + [(k, k.replace("_", " ")) for k in ACTION_PARAMS],
            required=False,
            label=f"Action {i + 1}",
        )
        rows[f"then_{i}_queue"] = forms.ChoiceField(choices=[("", "—")], required=False, label="queue")
        rows[f"then_{i}_trigger"] = forms.CharField(required=False, label="trigger", max_length=100)
        rows[f"then_{i}_priority"] = forms.ChoiceField(
            choices=[("", "—")] + [(p, p) for p in PRIORITIES], required=False, label="priority"
        )
        rows[f"then_{i}_text"] = forms.CharField(required=False, label="tag / message", max_length=200)
    GuidedRuleForm.base_fields.update(rows)
    GuidedRuleForm.declared_fields.update(rows)


_declare_rows()

CONDITION_FIELDS = [(f"if_{i}_type", f"if_{i}_value") for i in range(CONDITION_ROWS)]
ACTION_FIELDS = [
    (f"then_{i}_type", f"then_{i}_queue", f"then_{i}_trigger", f"then_{i}_priority", f"then_{i}_text")
    for i in range(ACTION_ROWS)
]
