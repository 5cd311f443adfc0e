"""The admin's article form: what a supervisor reads and types, over the JSON the article
keeps. Intents are ticked from the bot's own list, steps are one line each, owners are picked
by name; the stored `intents` and `steps` stay JSON lists of strings, as the bot, the import
and the export (helpdesk/services/kb_files.py) read them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q

from .models import Article
from .selectors.kb import intent_choices


class IntentsField(forms.MultipleChoiceField):
    """Ticks over the intents the bot knows. An intent the article still names but the bot no
    longer knows is shown, ticked, so the supervisor sees it; saving asks them to untick it."""

    default_error_messages = {
        "invalid_choice": "“%(value)s” is not an intent the bot knows: untick it, or add the intent first "
        "(Bots › Intents).",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(widget=forms.CheckboxSelectMultiple, **kwargs)
        self.known: set[str] = set()

    def offer(self, known: list[tuple[str, str]], stored: list[str]) -> None:
        self.known = {name for name, _ in known}
        stale = [(name, f"{name} (not an intent the bot knows)") for name in stored if name not in self.known]
        self.choices = [(name, f"{name}: {about}" if about else name) for name, about in known] + stale

    def valid_value(self, value: str) -> bool:
        return value in self.known


class LinesField(forms.CharField):
    """A list of short texts typed one a line; blank lines are dropped."""

    widget = forms.Textarea

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return [str(line).strip() for line in value if str(line).strip()]
        return [line.strip() for line in (super().to_python(value) or "").splitlines() if line.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(initial or []) != self.to_python(data)


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        profile = getattr(user, "agent", None)
        name = profile.display_name if profile else user.get_full_name()
        return f"{name} ({user.get_username()})" if name else user.get_username()


def _formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    # A help-centre address typed without a scheme is https (Django 6's default, chosen now).
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class ArticleForm(forms.ModelForm):
    intents = IntentsField(required=False, help_text="The intents this article answers: the bot's fallback.")
    steps = LinesField(
        required=False,
        help_text="Troubleshooting steps the bot walks the customer through, one a line, in order.",
    )
    owner = OwnerChoiceField(queryset=get_user_model().objects.none(), required=False)

    class Meta:
        model = Article
        fields = [
            "title",
            "body",
            "url",
            "status",
            "intents",
            "steps",
            "owner_team",
            "owner",
            "review_interval_days",
            "last_reviewed_at",
        ]
        formfield_callback = _formfield

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intents"].offer(intent_choices(), list(self.instance.intents or []))
        self.fields["steps"].widget.attrs.setdefault("rows", 6)
        # Owners are the desk's people (agents and staff); a former owner stays selectable.
        people = Q(agent__isnull=False) | Q(is_staff=True) | Q(pk=self.instance.owner_id)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(people).select_related("agent").order_by("username")
        )
        self.fields["owner"].help_text = "Who keeps it true: reminded before each review falls due."
        self.fields["owner_team"].help_text = "The queue a question goes to when the article is overdue."
        # The admin's date and time boxes have no <label> of their own (only words beside
        # them), so a screen reader would announce two nameless fields: name them.
        reviewed = self.fields["last_reviewed_at"].widget
        for part, words in zip(getattr(reviewed, "widgets", []), ("date", "time"), strict=False):
            part.attrs["aria-label"] = f"Last reviewed at: {words}"
