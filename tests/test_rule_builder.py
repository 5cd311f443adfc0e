"""The rule builder as a supervisor uses it: rows added and removed, each compiled to the stored
JSON; errors in words on the row that caused them, said once; the rule read as a sentence; the
history as a diff in words, append-only, with revert."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from routing.models import Rule, RuleChange

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "Angry VIPs to Billing"


@pytest.fixture
def boss(client, queues):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    client.force_login(user)
    return user


def rows(section: str, *items: dict, initial: int = 0) -> dict:
    """A formset's rows as the builder posts them: `section`-N-field."""
    data = {f"{section}-TOTAL_FORMS": str(len(items)), f"{section}-INITIAL_FORMS": str(initial)}
    for index, item in enumerate(items):
        for field, value in item.items():
            data[f"{section}-{index}-{field}"] = value
    return data


def built(when: list[dict], then: list[dict], **overrides) -> dict:
    data = {
        "name": NAME,
        "description": "",
        "stage": "on_message",
        "order": "15",
        "enabled": "on",
        "match": "all",
        # The JSON section posts what it held; the builder's rows win over it.
        "conditions": json.dumps({"match": "all", "items": []}),
        "actions": "[]",
        **rows("when", *when),
        **rows("then", *then),
    }
    data.update(overrides)
    return data


VIP = {"type": "tier_in", "tiers": ["vip", "enterprise"]}
UPSET = {"type": "sentiment_below", "value": "-0.5"}
HANDOFF = {"type": "handoff", "queue": "Billing", "trigger": "customer_tier", "priority": "urgent"}
TAG = {"type": "add_tag", "tag": "angry-vip"}


def test_rows_compile_to_the_stored_json_and_read_as_a_sentence(client, boss) -> None:
    answer = client.post("/admin/routing/rule/add/", built([VIP, UPSET], [HANDOFF, TAG]))
    assert answer.status_code == 302, answer.content.decode()[:3000]
    rule = Rule.objects.get(name=NAME)
    assert rule.conditions == {
        "match": "all",
        "items": [{"type": "tier_in", "tiers": ["vip", "enterprise"]}, {"type": "sentiment_below", "value": -0.5}],
    }
    assert rule.actions == [
        {"type": "handoff", "queue": "Billing", "trigger": "customer_tier", "priority": "urgent"},
        {"type": "add_tag", "tag": "angry-vip"},
    ]
    sentence = (
        "When the customer is VIP or enterprise and the sentiment score is below -0.5 → "
        "hand over to Billing (customer tier), priority urgent; tag “angry-vip”"
    )
    assert sentence in client.get("/admin/routing/rule/").content.decode()
    page = client.get(f"/admin/routing/rule/{rule.pk}/change/")
    assert sentence in page.content.decode()
    # The page shows the stored rule as rows again, one per item, nothing more.
    form = page.context["adminform"].form
    assert [f.initial for f in form.when.forms] == [
        {"type": "tier_in", "tiers": ["vip", "enterprise"]},
        {"type": "sentiment_below", "value": -0.5},
    ]
    assert [f.initial["type"] for f in form.then.forms] == ["handoff", "add_tag"]


def test_rows_are_added_and_removed_and_blank_rows_are_left_out(client, boss) -> None:
    words = {"type": "text_contains", "words": "refund\nmoney back"}
    client.post("/admin/routing/rule/add/", built([VIP], [TAG]))
    rule = Rule.objects.get(name=NAME)
    url = f"/admin/routing/rule/{rule.pk}/change/"
    # A third condition added, then the first removed: the rows posted are the rows kept.
    answer = client.post(url, built([UPSET, words, {"type": ""}], [TAG, {"type": "set_priority", "priority": "high"}]))
    assert answer.status_code == 302, answer.content.decode()[:3000]
    rule.refresh_from_db()
    assert rule.conditions["items"] == [
        {"type": "sentiment_below", "value": -0.5},
        {"type": "text_contains", "words": ["refund", "money back"]},
    ]
    assert rule.actions == [{"type": "add_tag", "tag": "angry-vip"}, {"type": "set_priority", "priority": "high"}]
    # A field of another type left filled in a row does not reach the JSON.
    answer = client.post(url, built([{**VIP, "value": "0.9", "words": "stray"}], [{**TAG, "queue": "Tech"}]))
    assert answer.status_code == 302
    rule.refresh_from_db()
    assert rule.conditions["items"] == [VIP] and rule.actions == [TAG]
    # No conditions at all: the rule always applies.
    client.post(url, built([], [TAG]))
    rule.refresh_from_db()
    assert rule.conditions == {"match": "all", "items": []}
    assert "Always → tag “angry-vip”" in client.get("/admin/routing/rule/").content.decode()


@pytest.mark.parametrize(
    ("when", "then", "row", "field", "message"),
    [
        ([VIP], [TAG, {"type": "set_priority"}, {**HANDOFF, "queue": ""}], 2, "queue", "Action 3: choose a queue"),
        ([VIP], [{**HANDOFF, "trigger": ""}], 0, "trigger", "Action 1: choose a trigger"),
        ([VIP, {"type": "tier_in"}], [TAG], 1, "tiers", "Condition 2: choose at least one tier"),
        (
            [{"type": "confidence_below", "value": "7"}],
            [TAG],
            0,
            "value",
            "Condition 1: the value must be a number from 0 to 1",
        ),
        ([{"type": "text_matches", "pattern": "(("}], [TAG], 0, "pattern", "Condition 1: the pattern is not a valid"),
        ([{"type": "emotion_at_least", "value": "0.5"}], [TAG], 0, "emotion", "Condition 1: choose an emotion"),
    ],
)
def test_an_error_is_said_in_words_on_its_row_once(client, boss, when, then, row, field, message) -> None:
    answer = client.post("/admin/routing/rule/add/", built(when, then))
    assert answer.status_code == 200
    assert not Rule.objects.filter(name=NAME).exists()
    form = answer.context["adminform"].form
    formset = form.when if message.startswith("Condition") else form.then
    assert any(e.startswith(message) for e in formset.forms[row].errors[field]), formset.forms[row].errors
    page = answer.content.decode()
    assert page.count(message) == 1  # not repeated (the JSON section says nothing)
    assert "conditions.items[" not in page and "actions[" not in page
    assert "not saved: see the rows marked below" in page


def test_a_rule_without_actions_is_told_to_add_one(client, boss) -> None:
    answer = client.post("/admin/routing/rule/add/", built([VIP], [{"type": ""}]))
    assert answer.status_code == 200
    assert "add at least one action" in answer.content.decode()
    assert not Rule.objects.filter(name=NAME).exists()


def test_the_rows_offer_choices_not_free_text(client, boss) -> None:
    page = client.get("/admin/routing/rule/add/")
    form = page.context["adminform"].form
    action, condition = form.then.empty_form, form.when.empty_form
    assert {"intent", "Billing", "General", "Tech"} <= {value for value, _ in action.fields["queue"].choices}
    assert "customer_tier" in {value for value, _ in action.fields["trigger"].choices}
    assert "anger" in {value for value, _ in condition.fields["emotion"].choices}
    # The shipped rules' intents are offered, whatever the bot lists.
    assert "billing_dispute" in {value for value, _ in condition.fields["intents"].choices}
    # Each field says which types take it; the script shows only those.
    html = page.content.decode()
    assert 'data-types="handoff"' in html and 'data-types="handoff set_priority"' in html
    # Choosing anything not offered is refused on the row.
    answer = client.post("/admin/routing/rule/add/", built([VIP], [{**HANDOFF, "queue": "Nowhere"}]))
    assert answer.status_code == 200 and answer.context["adminform"].form.then.forms[0].errors["queue"]


def test_the_json_section_still_works_and_json_errors_stay_there(client, boss) -> None:
    data = built([VIP], [TAG], advanced_json="on", actions=json.dumps([{"type": "set_priority", "priority": "high"}]))
    assert client.post("/admin/routing/rule/add/", data).status_code == 302
    assert Rule.objects.get(name=NAME).actions == [{"type": "set_priority", "priority": "high"}]


def test_history_reads_as_a_diff_and_reverts(client, boss) -> None:
    client.post("/admin/routing/rule/add/", built([VIP], [{"type": "set_priority", "priority": "high"}]))
    rule = Rule.objects.get(name=NAME)
    client.post(f"/admin/routing/rule/{rule.pk}/change/", built([VIP, UPSET], [HANDOFF], order="20"))
    change = RuleChange.objects.get(rule_name=NAME, kind="changed")
    page = client.get(f"/admin/routing/rulechange/{change.pk}/change/").content.decode()
    mark = '<span class="rb-mark" aria-hidden="true">'
    for line in (
        f'<li class="rb-diff-kept">{mark}</span> the customer is VIP or enterprise</li>',
        f'<li class="rb-diff-added">{mark}+</span> the sentiment score is below -0.5</li>',
        f'<li class="rb-diff-removed">{mark}−</span> set priority high</li>',
        f"{mark}+</span> hand over to Billing (customer tier), priority urgent</li>",
        f"{mark}−</span> 15</li>",
    ):
        assert line in page
    assert "actions, conditions" not in page  # the list's summary names fields in words
    listing = client.get("/admin/routing/rulechange/").content.decode()
    assert "order, conditions, actions" in listing

    answer = client.post(f"/admin/routing/rulechange/{change.pk}/revert/")
    assert answer.status_code == 302 and answer["Location"] == f"/admin/routing/rule/{rule.pk}/change/"
    rule.refresh_from_db()
    assert (rule.order, rule.actions) == (15, [{"type": "set_priority", "priority": "high"}])
    assert RuleChange.objects.filter(rule_name=NAME, kind="reverted").exists()
    assert client.get(f"/admin/routing/rulechange/{change.pk}/revert/").status_code == 405


def test_history_is_append_only(client, boss) -> None:
    client.post("/admin/routing/rule/add/", built([VIP], [TAG]))
    change = RuleChange.objects.get(rule_name=NAME)
    page = client.get(f"/admin/routing/rulechange/{change.pk}/change/").content.decode()
    assert "deletelink" not in page and "/delete/" not in page
    assert client.get(f"/admin/routing/rulechange/{change.pk}/delete/").status_code == 403
    assert client.post(f"/admin/routing/rulechange/{change.pk}/delete/", {"post": "yes"}).status_code == 403
    listing = client.get("/admin/routing/rulechange/")
    assert "delete_selected" not in listing.content.decode()
    answer = client.post("/admin/routing/rulechange/", {"action": "delete_selected", "_selected_action": [change.pk]})
    assert answer.status_code in (200, 302)
    assert RuleChange.objects.filter(pk=change.pk).exists()


def test_the_sentence_previews_the_form_as_it_stands_and_saves_nothing(client, boss) -> None:
    """The builder's live preview (rule_builder.js posts the whole form to sentence/): the rule
    reads as the list will read it once saved, even a half-built or clashing one."""
    before = Rule.objects.count()
    answer = client.post("/admin/routing/rule/sentence/", built([VIP, UPSET], [HANDOFF, TAG]))
    assert answer.status_code == 200
    assert answer.json()["sentence"] == (
        "When the customer is VIP or enterprise and the sentiment score is below -0.5 → "
        "hand over to Billing (customer tier), priority urgent; tag “angry-vip”"
    )
    # A handoff that has no queue yet still reads; nothing was saved either time.
    half = client.post("/admin/routing/rule/sentence/", built([VIP], [{"type": "handoff"}]))
    assert half.status_code == 200 and half.json()["sentence"].startswith("When the customer is VIP or enterprise")
    assert Rule.objects.count() == before
    assert client.get("/admin/routing/rule/sentence/").status_code == 405


def test_the_sentence_preview_is_for_those_who_may_edit_rules(client, queues) -> None:
    from tests.support.people import make_agent

    agent = make_agent("plain_agent", [queues["General"]])
    client.force_login(agent.user)
    answer = client.post("/admin/routing/rule/sentence/", built([VIP], [TAG]))
    assert answer.status_code in (302, 403)
    assert "sentence" not in answer.content.decode()
