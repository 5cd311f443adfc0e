"""The audit log: every supervisor change to rules, queues, intents, examples and articles made
in the admin is recorded field by field, and the log itself cannot be edited."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django import forms
from django.core.serializers.json import DjangoJSONEncoder

from bots.models import Intent, IntentExample
from helpdesk.models import Article, AuditEntry, Queue
from routing.models import Rule, RuleChange
from tests.support.people import make_agent
from tests.support.rules import form as rule_form

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def boss(client, queues):
    """Sofia, a supervisor who runs the admin (a superuser, as in the demo)."""
    profile = make_agent("sofia", list(queues.values()), supervisor=True, display_name="Sofia")
    profile.user.is_superuser = True
    profile.user.save(update_fields=["is_superuser"])
    client.force_login(profile.user)
    return profile.user


def _put(data: dict[str, Any], field: forms.BoundField) -> None:
    value, widget, name = field.value(), field.field.widget, field.html_name
    if isinstance(widget, forms.MultiWidget):
        for index, part in enumerate(widget.decompress(value)):
            data[f"{name}_{index}"] = "" if part is None else str(part)
    elif isinstance(widget, forms.CheckboxInput):
        if value:
            data[name] = "on"
    elif isinstance(value, list | tuple):
        data[name] = [str(v) for v in value]
    else:
        data[name] = "" if value is None else value


def resubmit(page, **overrides: Any) -> dict[str, Any]:
    """An admin page's forms as a browser would post them back unchanged, plus `overrides`:
    the change form with its inlines, or the changelist's in-list editing formset."""
    context = page.context
    found: list[forms.BaseForm] = []
    data: dict[str, Any] = {}
    if "adminform" in context:
        found.append(context["adminform"].form)
        for inline in context["inline_admin_formsets"]:
            found += [inline.formset.management_form, *inline.formset.forms]
    else:
        formset = context["cl"].formset
        found += [formset.management_form, *formset.forms]
        data["_save"] = "Save"
    for each in found:
        for field in each:
            _put(data, field)
    data.update(overrides)
    return data


def row_index(page, pk: int) -> int:
    return next(i for i, f in enumerate(page.context["cl"].formset.forms) if f.instance.pk == pk)


def entries(**filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def test_creating_changing_and_deleting_a_rule_is_audited(client, boss) -> None:
    assert client.post("/admin/routing/rule/add/", rule_form()).status_code == 302
    rule = Rule.objects.get(name="Tech by keyword")
    (created,) = entries(action="create")
    assert (created.actor, created.actor_name, created.object_type, created.object_id, created.ip) == (
        boss,
        "sofia",
        "routing.rule",
        str(rule.pk),
        "127.0.0.1",
    )
    assert created.changes["name"] == [None, "Tech by keyword"]
    assert created.changes["order"] == [None, 80]
    assert created.changes["actions"] == [None, [{"type": "handoff", "queue": "Tech", "trigger": "tech_keyword"}]]

    url = f"/admin/routing/rule/{rule.pk}/change/"
    answer = client.post(url, resubmit(client.get(url), order="40", advanced_json="on"))
    assert answer.status_code == 302
    (changed,) = entries(action="change")
    assert changed.changes == {"order": [80, 40]}
    assert changed.object_repr == "Tech by keyword"

    # Saving the form as it is changes nothing, and records nothing.
    client.post(url, resubmit(client.get(url), advanced_json="on"))
    assert len(entries(action="change")) == 1

    assert client.post(f"/admin/routing/rule/{rule.pk}/delete/", {"post": "yes"}).status_code == 302
    (deleted,) = entries(action="delete")
    assert (deleted.object_id, deleted.object_repr) == (str(rule.pk), "Tech by keyword")
    assert deleted.changes["name"] == ["Tech by keyword", None]
    assert deleted.changes["order"] == [40, None]


def test_in_list_editing_and_bulk_delete_of_rules_are_audited(client, boss) -> None:
    first, second = Rule.objects.order_by("stage", "order", "name")[:2]
    page = client.get("/admin/routing/rule/")
    data = resubmit(page)
    data[f"form-{row_index(page, first.pk)}-order"] = str(first.order + 7)
    data[f"form-{row_index(page, second.pk)}-enabled"] = "" if second.enabled else "on"
    answer = client.post("/admin/routing/rule/", data)
    assert answer.status_code == 302, answer.content[:500]
    changes = {e.object_id: e.changes for e in entries(action="change")}
    assert changes == {
        str(first.pk): {"order": [first.order, first.order + 7]},
        str(second.pk): {"enabled": [second.enabled, not second.enabled]},
    }

    answer = client.post(
        "/admin/routing/rule/", {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"}
    )
    assert answer.status_code == 302
    assert sorted((e.object_id, e.object_repr) for e in entries(action="delete")) == sorted(
        [(str(first.pk), first.name), (str(second.pk), second.name)]
    )


def test_revert_and_import_are_audited(client, boss) -> None:
    rule = Rule.objects.get(name="Topics that need a human")
    url = f"/admin/routing/rule/{rule.pk}/change/"
    client.post(url, resubmit(client.get(url), order=str(rule.order + 5), advanced_json="on"))
    change = RuleChange.objects.get(rule_name=rule.name, kind="changed")
    client.post("/admin/routing/rulechange/", {"action": "revert", "_selected_action": [change.pk]})
    (reverted,) = entries(action="revert")
    assert (reverted.object_id, reverted.changes) == (str(rule.pk), {"order": [rule.order + 5, rule.order]})

    new_rule = {
        "name": "Imported tagger",
        "stage": "on_message",
        "order": 7,
        "enabled": True,
        "stop_after": False,
        "conditions": {"match": "all", "items": []},
        "actions": [{"type": "add_tag", "tag": "imported"}],
    }
    existing = {**rule.as_json(), "description": "imported description"}
    unchanged = Rule.objects.exclude(pk=rule.pk).first().as_json()
    answer = client.post("/admin/routing/rule/import/", {"json": json.dumps([new_rule, existing, unchanged])})
    assert answer.status_code == 302
    imported = {e.object_repr: e.changes for e in entries(action="import")}
    assert set(imported) == {"Imported tagger", rule.name}
    assert imported[rule.name] == {"description": [rule.description, "imported description"]}
    assert imported["Imported tagger"]["actions"] == [None, [{"type": "add_tag", "tag": "imported"}]]


def test_queue_changes_are_audited(client, boss) -> None:
    general = Queue.objects.get(name="General")
    page = client.get("/admin/helpdesk/queue/")
    data = resubmit(page)
    data[f"form-{row_index(page, general.pk)}-priority"] = "9"
    assert client.post("/admin/helpdesk/queue/", data).status_code == 302
    url = f"/admin/helpdesk/queue/{general.pk}/change/"
    answer = client.post(url, resubmit(client.get(url), description="First line", escalate_after_seconds="300"))
    assert answer.status_code == 302, answer.content[:500]
    assert [(e.object_type, e.object_id, e.changes) for e in entries(action="change")] == [
        ("helpdesk.queue", str(general.pk), {"priority": [0, 9]}),
        ("helpdesk.queue", str(general.pk), {"description": ["", "First line"], "escalate_after_seconds": [None, 300]}),
    ]


def test_intent_and_example_changes_are_audited(client, boss) -> None:
    intent = Intent.objects.get(name="billing_dispute")
    page = client.get("/admin/bots/intent/")
    data = resubmit(page)
    data[f"form-{row_index(page, intent.pk)}-confidence_threshold"] = "0.45"
    assert client.post("/admin/bots/intent/", data).status_code == 302
    (threshold,) = entries(action="change")
    assert (threshold.object_type, threshold.changes) == (
        "bots.intent",
        {"confidence_threshold": [intent.confidence_threshold, 0.45]},
    )

    # The intent's page, then its examples in their own list: one added, one deleted.
    url = f"/admin/bots/intent/{intent.pk}/change/"
    answer = client.post(url, resubmit(client.get(url), description="Charged twice or wrongly"))
    assert answer.status_code == 302, answer.content[:800]
    assert entries(action="change", object_type="bots.intent")[-1].changes["description"][1] == (
        "Charged twice or wrongly"
    )
    doomed = IntentExample.objects.create(intent=intent, text="charged twice")
    answer = client.post(
        "/admin/bots/intentexample/add/", {"intent": intent.pk, "text": "why was I billed twice", "source": "seed"}
    )
    assert answer.status_code == 302
    answer = client.post(f"/admin/bots/intentexample/{doomed.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302
    added = IntentExample.objects.get(text="why was I billed twice")
    assert [(e.action, e.object_type, e.object_id) for e in entries(action__in=["create", "delete"])] == [
        ("create", "bots.intentexample", str(added.pk)),
        ("delete", "bots.intentexample", str(doomed.pk)),
    ]
    create, delete = entries(action__in=["create", "delete"])
    assert create.changes["text"] == [None, "why was I billed twice"]
    assert create.changes["intent"] == [None, intent.pk]
    assert delete.changes["text"] == [doomed.text, None]


def test_article_changes_are_audited(client, boss) -> None:
    article = Article.objects.get(title="Returns and exchanges")
    url = f"/admin/helpdesk/article/{article.pk}/change/"
    answer = client.post(url, resubmit(client.get(url), title="Returns, exchanges and refunds"))
    assert answer.status_code == 302, answer.content[:800]
    (changed,) = entries(action="change")
    assert (changed.object_type, changed.changes) == (
        "helpdesk.article",
        {"title": ["Returns and exchanges", "Returns, exchanges and refunds"]},
    )
    article.refresh_from_db()
    before = article.last_reviewed_at
    client.post("/admin/helpdesk/article/", {"action": "mark_reviewed", "_selected_action": [article.pk]})
    reviewed = entries(action="change")[-1]
    article.refresh_from_db()
    as_json = DjangoJSONEncoder().default
    assert reviewed.changes == {"last_reviewed_at": [as_json(before), as_json(article.last_reviewed_at)]}
    assert article.last_reviewed_at > before


def test_the_audit_log_is_read_only(client, boss) -> None:
    client.post("/admin/routing/rule/add/", rule_form())
    entry = AuditEntry.objects.get()
    listing = client.get("/admin/helpdesk/auditentry/")
    assert listing.status_code == 200 and "Tech by keyword" in listing.content.decode()
    assert "delete_selected" not in listing.content.decode()
    assert client.get(f"/admin/helpdesk/auditentry/?action=create&actor__id__exact={boss.pk}").status_code == 200
    assert client.get("/admin/helpdesk/auditentry/?object_type=routing.rule").status_code == 200
    page = client.get(f"/admin/helpdesk/auditentry/{entry.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/helpdesk/auditentry/{entry.pk}/change/", {"object_repr": "x"}).status_code == 403
    assert client.post(f"/admin/helpdesk/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/helpdesk/auditentry/add/").status_code == 403
    client.post("/admin/helpdesk/auditentry/", {"action": "delete_selected", "_selected_action": [entry.pk]})
    entry.refresh_from_db()
    assert entry.object_repr == "Tech by keyword"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    assert AuditEntry.objects.count() == 1
