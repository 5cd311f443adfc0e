"""The rule builder: a rule's conditions and actions as rows a supervisor adds and removes,
each row showing only the fields its type takes, with choices instead of free text.

The builder is a view over the stored JSON, not a second format: the rows compile to the
`conditions` / `actions` JSON the engine reads, and that JSON goes through the one schema
(`rules/schema.py`). Its complaints come back on the row that caused them, in words
(`rules/sentences.py`: "Action 3: choose a queue"), and only there. The raw JSON stays
editable under "Advanced" for anyone who prefers it; import and export are untouched.

Rows are two plain Django formsets ("when", "then"); static/js/admin/rule_builder.js adds,
removes and renumbers them and hides the fields a row's type does not take. Without the
script the page still works: one blank row of each, a row set to "—" is left out.
"""

from __future__ import annotations

from typing import Any

from django import forms

from .models import Rule
from .rules.schema import (
    ACTION_PARAMS,
    CONDITION_PARAMS,
    EMOTIONS,
    PRIORITIES,
    SENTIMENTS,
    TIERS,
    RuleError,
    parse_actions,
    parse_conditions,
)
from .rules.sentences import ACTION_WORDS, CONDITION_WORDS, TIER_WORDS, locate, row_label
from .selectors import BuilderChoices, rule_builder_choices

MAX_ROWS = 20
WHEN, THEN = "when", "then"
BLANK = [("", "—")]


def _number_input(step: str = "any") -> forms.NumberInput:
    return forms.NumberInput(attrs={"step": step, "class": "rb-number"})


def _number(text: str) -> Any:
    try:
        return int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return text  # the schema names the problem


def _uses(table: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """param -> the types that take it."""
    uses: dict[str, list[str]] = {}
    for kind, params in table.items():
        for name in params:
            uses.setdefault(name, []).append(kind)
    return uses


CONDITION_USES = _uses(CONDITION_PARAMS)
ACTION_USES = _uses(ACTION_PARAMS)


class RowForm(forms.Form):
    """One row: a type and the parameter fields of every type, of which the row shows those its
    type takes (the others are hidden, and left out of the JSON whatever they hold)."""

    table: dict[str, dict[str, str]] = {}
    uses: dict[str, list[str]] = {}
    section = ""

    def __init__(self, *args: Any, choices: BuilderChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.use_required_attribute = False

    def chosen_type(self) -> str:
        if self.is_bound:
            return self.data.get(self.add_prefix("type"), "") or ""
        return self.initial.get("type", "") or ""

    def params(self) -> list[tuple[forms.BoundField, str, bool]]:
        """(field, the types that take it, hidden now) for the template."""
        chosen = self.chosen_type()
        return [(self[name], " ".join(kinds), chosen not in kinds) for name, kinds in self.uses.items()]

    def row_label(self) -> str:
        index = int(self.prefix.rsplit("-", 1)[-1]) if self.prefix and self.prefix[-1].isdigit() else 0
        return row_label(self.section, index + 1)

    def item(self) -> dict | None:
        """The row as stored JSON, or None for a row left blank."""
        data = getattr(self, "cleaned_data", None) or {}
        kind = data.get("type")
        if not kind:
            return None
        item: dict[str, Any] = {"type": kind}
        for name, kind_of_value in self.table[kind].items():
            value = _to_json(kind_of_value, name, data.get(name))
            if value is not None:
                item[name] = value
        return item


def _to_json(kind_of_value: str, name: str, value: Any) -> Any:
    kind_of_value = kind_of_value.rstrip("?")
    if value in (None, "", []):
        return None
    if kind_of_value in ("unit", "score", "count", "seconds", "turns", "number"):
        return _number(str(value).strip())
    if kind_of_value == "bool":
        return {"true": True, "false": False}.get(value)
    if kind_of_value == "strings" and isinstance(value, str):  # one word or phrase per line
        return [line.strip() for line in value.splitlines() if line.strip()] or None
    if isinstance(value, str):
        return value.strip() or None
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def condition_initial(item: dict) -> dict:
    row: dict[str, Any] = {"type": item.get("type", "")}
    for name, value in item.items():
        if name == "type":
            continue
        words = name == "words" and isinstance(value, list)
        row[name] = "\n".join(str(v) for v in value) if words else _from_json(value)
    return row


class ConditionRowForm(RowForm):
    table = CONDITION_PARAMS
    uses = CONDITION_USES
    section = "conditions"

    type = forms.ChoiceField(
        choices=BLANK + [(k, CONDITION_WORDS[k]) for k in CONDITION_PARAMS], required=False, label="check"
    )
    intents = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple, label="intents")
    tiers = forms.MultipleChoiceField(
        choices=[(t, TIER_WORDS[t]) for t in TIERS], required=False, widget=forms.CheckboxSelectMultiple, label="tiers"
    )
    label = forms.ChoiceField(choices=BLANK + [(s, s) for s in SENTIMENTS], required=False, label="sentiment")
    emotion = forms.ChoiceField(choices=BLANK + [(e, e) for e in EMOTIONS], required=False, label="emotion")
    value = forms.CharField(required=False, widget=_number_input(), label="value")
    by = forms.CharField(required=False, widget=_number_input(), label="by at least")
    turns = forms.CharField(required=False, widget=_number_input("1"), label="over messages")
    count = forms.CharField(required=False, widget=_number_input("1"), label="count")
    days = forms.CharField(required=False, widget=_number_input("1"), label="in days")
    seconds = forms.CharField(required=False, widget=_number_input("1"), label="seconds")
    words = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
        label="words or phrases, one per line",
    )
    pattern = forms.CharField(required=False, max_length=500, label="regular expression")
    channel = forms.ChoiceField(required=False, label="channel")
    text = forms.CharField(required=False, max_length=200, label="text")
    inside = forms.ChoiceField(
        choices=BLANK + [("true", "inside business hours"), ("false", "outside business hours")],
        required=False,
        label="when",
    )

    def __init__(self, *args: Any, choices: BuilderChoices, **kwargs: Any) -> None:
        super().__init__(*args, choices=choices, **kwargs)
        self.fields["intents"].choices = choices.intents
        self.fields["channel"].choices = choices.channels


class ActionRowForm(RowForm):
    table = ACTION_PARAMS
    uses = ACTION_USES
    section = "actions"

    type = forms.ChoiceField(choices=BLANK + [(k, ACTION_WORDS[k]) for k in ACTION_PARAMS], required=False, label="do")
    queue = forms.ChoiceField(required=False, label="queue")
    trigger = forms.ChoiceField(required=False, label="because")
    priority = forms.ChoiceField(choices=BLANK + [(p, p) for p in PRIORITIES], required=False, label="priority")
    tag = forms.CharField(required=False, max_length=200, label="tag")
    message = forms.CharField(required=False, max_length=200, label="message")

    def __init__(self, *args: Any, choices: BuilderChoices, **kwargs: Any) -> None:
        super().__init__(*args, choices=choices, **kwargs)
        self.fields["queue"].choices = choices.queues
        self.fields["trigger"].choices = choices.triggers


class RuleBuilderForm(forms.ModelForm):
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
        choices = rule_builder_choices()
        rule: Rule | None = self.instance if self.instance and self.instance.pk else None
        conditions = (rule.conditions if rule else None) or {}
        items = conditions.get("items") if isinstance(conditions, dict) else None
        actions = rule.actions if rule and isinstance(rule.actions, list) else []
        if rule is not None and not self.is_bound:
            self.initial["match"] = conditions.get("match", "all") if isinstance(conditions, dict) else "all"
        # A post without the builder's rows (an API-like post of the JSON fields, an old page)
        # is read as JSON, as before the builder.
        self.rows_posted = self.is_bound and f"{WHEN}-TOTAL_FORMS" in self.data
        self.uses_builder = self.rows_posted and not self.data.get(self.add_prefix("advanced_json"))
        data = self.data if self.rows_posted else None
        when_rows = [condition_initial(i) for i in items or [] if isinstance(i, dict)] if data is None else []
        then_rows = [dict(a) for a in actions if isinstance(a, dict)] if data is None else []
        self.when = forms.formset_factory(
            ConditionRowForm, extra=0 if when_rows else 1, max_num=MAX_ROWS, validate_max=True
        )(data, prefix=WHEN, initial=when_rows or None, form_kwargs={"choices": choices})
        self.then = forms.formset_factory(
            ActionRowForm, extra=0 if then_rows else 1, max_num=MAX_ROWS, validate_max=True
        )(data, prefix=THEN, initial=then_rows or None, form_kwargs={"choices": choices})
        self.rows_valid = True

    def clean(self) -> dict:
        data = super().clean()
        if self.uses_builder:
            self.rows_valid = self.when.is_valid() & self.then.is_valid()
            when = [(i, f.item()) for i, f in enumerate(self.when.forms)]
            then = [(i, f.item()) for i, f in enumerate(self.then.forms)]
            when = [(i, item) for i, item in when if item is not None]
            then = [(i, item) for i, item in then if item is not None]
            data["conditions"] = {"match": data.get("match") or "all", "items": [item for _, item in when]}
            data["actions"] = [item for _, item in then]
            self._row_errors(data, [i for i, _ in when], [i for i, _ in then])
        for field in ("conditions", "actions"):
            if data.get(field) is None:
                data[field] = {"match": "all", "items": []} if field == "conditions" else []
        self.instance.conditions = data["conditions"]
        self.instance.actions = data["actions"]
        return data

    def _row_errors(self, data: dict, when_rows: list[int], then_rows: list[int]) -> None:
        """The schema's complaints, each on the row (and the field) that caused it."""
        for parse, value, rows, formset in (
            (parse_conditions, data["conditions"], when_rows, self.when),
            (parse_actions, data["actions"], then_rows, self.then),
        ):
            try:
                parse(value)
            except RuleError as error:
                self.rows_valid = False
                for where, problem in error.errors.items():
                    found = locate(where, problem)
                    if found is None or found.index >= len(rows):
                        if where == "actions" and not value:
                            problem = "add at least one action: what should the rule do?"
                        formset._non_form_errors = formset.non_form_errors() + [problem]
                        continue
                    row = formset.forms[rows[found.index]]
                    field = found.param if found.param in row.fields else "type"
                    row.add_error(field, f"{row.row_label()}: {found.message}")

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.uses_builder:
            # The rows made this JSON and carry its errors, in words; the model's own check
            # (JSON paths) would only say the same thing again in the JSON section.
            for field in ("conditions", "actions"):
                self._errors.pop(field, None)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return valid and (not self.uses_builder or self.rows_valid)

    def row_errors(self) -> bool:
        return self.uses_builder and self.is_bound and not self.rows_valid
