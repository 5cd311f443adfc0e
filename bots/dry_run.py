"""The rules' dry run in the admin: a supervisor types a customer message and an imagined
customer, and sees what the model reads, which rules match and why, and what would happen.
Nothing is stored. It decides through the live chat's own path (bots/services/deciding.py);
it lives here, not in routing, because reading a message needs the model."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from routing.decisions import decide_traced
from routing.facts import Assumed, MessageReading, facts_for
from routing.rules.schema import MAX_TURNS

from . import runtime
from .services.deciding import decide_on_message_traced, message_reading


class DryRunForm(forms.Form):
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    tier = forms.ChoiceField(choices=[("standard", "standard"), ("vip", "vip"), ("enterprise", "enterprise")])
    recent_conversations = forms.IntegerField(
        min_value=0, max_value=50, initial=0, help_text="Other conversations of this customer in the last 7 days."
    )
    bot_failures = forms.IntegerField(min_value=0, max_value=10, initial=0, help_text="Turns the bot already missed.")
    negative_streak = forms.IntegerField(
        min_value=0, max_value=10, initial=0, help_text="Negative messages in a row before this one."
    )
    earlier_frustration = forms.CharField(
        required=False,
        max_length=100,
        help_text="Frustration of the customer's messages before this one, oldest first, 0 to 1 each: e.g. 0.1, 0.3.",
    )
    channel = forms.CharField(initial="web", max_length=30)

    def clean_earlier_frustration(self) -> tuple[float, ...]:
        values = []
        for part in (self.cleaned_data.get("earlier_frustration") or "").replace(";", ",").split(","):
            if not part.strip():
                continue
            try:
                value = float(part)
            except ValueError:
                value = -1.0
            if not 0 <= value <= 1:
                raise forms.ValidationError(f"{part.strip()!r}: each value must be a number from 0 to 1")
            values.append(value)
        if len(values) > MAX_TURNS - 1:
            raise forms.ValidationError(f"at most {MAX_TURNS - 1} earlier messages")
        return tuple(values)


def read_message(text: str) -> tuple[MessageReading, dict[str, Any]]:
    """The model's reading as the live chat would get it (a neutral one without a model), and
    what the page shows of it."""
    try:
        loaded = runtime.current()
    except runtime.NoActiveModel:
        reading = MessageReading(text, "", 0.0, None, "neutral", 0.0)
        return reading, {"note": "no active intent model: train one first", "top": []}
    prediction = loaded.classifier.classify_one(text)
    return message_reading(text, prediction, loaded), {"top": prediction.intent.top}


def dry_run_view(request: HttpRequest) -> HttpResponse:
    context = {**admin.site.each_context(request), "title": "Dry run: what would the rules do?"}
    form = DryRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reading, shown = read_message(data["message"])
        assumed = Assumed(
            tier=data["tier"],
            recent_conversations=data["recent_conversations"],
            bot_failures=data["bot_failures"],
            negative_streak=data["negative_streak"],
            frustration_course=data["earlier_frustration"],
            channel=data["channel"],
        )
        facts, decision, took_ms = decide_on_message_traced(reading, assumed=assumed)
        handoff = None
        if decision.route == "human":
            at_handoff = facts_for(reading=reading, assumed=assumed, queue_name=decision.handoff_queue)
            handoff, _ = decide_traced(at_handoff, stage="on_handoff")
        shown["emotions"] = sorted(reading.emotions.items(), key=lambda item: -item[1])
        context.update(reading=reading, shown=shown, decision=decision, handoff=handoff, took_ms=took_ms, facts=facts)
    context["form"] = form
    return render(request, "admin/routing/dry_run.html", context)
