"""Frustration and emotions on the embedded desk: the facts the rules read, the dry run, the
shipped rules' migration, escalation and response patterns through the real customer socket,
and the packet that keeps its handoff reading."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model

from bots.models import ResponsePattern
from bots.services.patterns import patterns_forget, respond
from helpdesk.models import Conversation, Message, Sender
from helpdesk.selectors.conversations import conversation_packet
from helpdesk.services.messages import customer_message_post
from routing.facts import MessageReading, facts_for
from tests.support.sockets import bot_said, chat, frames_until

pytestmark = pytest.mark.django_db(transaction=True)


def say(conversation, body: str) -> Message:
    message, _ = customer_message_post(conversation_id=conversation.pk, body=body)
    return message


def with_frustration(message: Message, value: float) -> None:
    """A stored reading with a chosen frustration (the model's own figure is not the point)."""
    message.refresh_from_db()
    prediction = {**message.data["prediction"], "frustration": value}
    Message.objects.filter(pk=message.pk).update(data={**message.data, "prediction": prediction})


def test_the_facts_carry_the_frustration_course_of_the_earlier_customer_messages(queues, started) -> None:
    conversation, _ = started
    for body, value in (("hello", 0.05), ("hi there", 0.2), ("hello again", 0.3)):
        with_frustration(say(conversation, body), value)
    latest = Message.objects.filter(conversation=conversation, sender=Sender.CUSTOMER).latest("id")
    conversation.refresh_from_db()
    reading = MessageReading("this is useless", "greeting", 0.9, None, "negative", -0.9, {"anger": 0.6}, 0.7)
    on_message = facts_for(conversation=conversation, reading=reading, message_id=latest.pk + 1)
    assert on_message.frustration_course == (0.05, 0.2, 0.3, 0.7)
    assert (on_message.frustration, on_message.emotions["anger"]) == (0.7, 0.6)
    # Outside a message (handoff, periodic) the latest stored reading ends the course.
    waiting = facts_for(conversation=conversation)
    assert waiting.frustration_course == (0.05, 0.2, 0.3)
    assert waiting.frustration == 0.3 and waiting.text == "hello again"
    assert set(waiting.emotions) >= {"anger", "confusion", "sadness"}


@pytest.fixture
def boss(client, queues):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    client.force_login(user)
    return user


def dry_run(client, message: str, earlier: str = "") -> str:
    answer = client.post(
        "/admin/routing/rule/dry-run/",
        {
            "message": message,
            "tier": "standard",
            "recent_conversations": 0,
            "bot_failures": 0,
            "negative_streak": 0,
            "earlier_frustration": earlier,
            "channel": "web",
        },
    )
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_dry_run_shows_emotions_frustration_and_its_course(client, boss) -> None:
    page = dry_run(client, "I'm really confused, which size should I pick?", earlier="0.1, 0.25")
    assert "frustration course" in page and "0.10 → 0.25 → " in page
    assert "confusion" in page and "sadness" in page


def test_the_dry_run_refuses_a_bad_earlier_frustration_on_its_field(client, boss) -> None:
    page = dry_run(client, "hello", earlier="0.1, lots")
    assert "&#x27;lots&#x27;: each value must be a number from 0 to 1" in page
    assert "Rules on each message" not in page


def test_the_migration_replaces_the_polarity_rule_only_where_it_is_as_shipped(db) -> None:
    import importlib

    from django.apps import apps

    from routing.models import Rule, RuleChange

    migration = importlib.import_module("routing.migrations.0003_frustration_rules")
    Rule.objects.all().delete()
    Rule.objects.create(**migration.RETIRED)
    migration.forward(apps, None)
    names = set(Rule.objects.values_list("name", flat=True))
    assert names == {
        "Threats to leave, dispute or sue",
        "A frustrated customer",
        "Anger in so many words",
        "Frustration rising",
    }
    assert RuleChange.objects.filter(rule_name=migration.RETIRED["name"], kind="deleted", who=None).exists()
    assert RuleChange.objects.filter(kind="created").count() == 4

    # A supervisor's edit is theirs: kept, next to the new rules; run again, nothing doubles.
    Rule.objects.all().delete()
    edited = {
        **migration.RETIRED,
        "conditions": {"match": "all", "items": [{"type": "sentiment_below", "value": -0.95}]},
    }
    Rule.objects.create(**edited)
    migration.forward(apps, None)
    migration.forward(apps, None)
    assert Rule.objects.get(name=migration.RETIRED["name"]).conditions == edited["conditions"]
    assert Rule.objects.count() == 5

    # Backwards: the added rules go, the polarity rule is there again.
    migration.backward(apps, None)
    assert list(Rule.objects.values_list("name", flat=True)) == [migration.RETIRED["name"]]


def test_the_angry_words_grow_only_where_the_rule_is_as_shipped(db) -> None:
    import importlib

    from django.apps import apps

    from routing.models import Rule, RuleChange

    migration = importlib.import_module("routing.migrations.0004_anger_in_more_words")
    Rule.objects.all().delete()
    rule = Rule.objects.create(**migration.BEFORE)
    migration.forward(apps, None)
    rule.refresh_from_db()
    assert rule.conditions == migration.AFTER["conditions"]
    change = RuleChange.objects.get(rule=rule, kind="changed", who=None)
    assert change.before["conditions"] == migration.BEFORE["conditions"]
    assert change.after["conditions"] == migration.AFTER["conditions"]

    # Backwards: the words as 0003 shipped them.
    migration.backward(apps, None)
    rule.refresh_from_db()
    assert rule.conditions == migration.BEFORE["conditions"]

    # A supervisor's own words stay theirs, run twice.
    edited = {"match": "all", "items": [{"type": "text_matches", "pattern": r"\bawful\b"}]}
    Rule.objects.filter(pk=rule.pk).update(conditions=edited)
    migration.forward(apps, None)
    migration.forward(apps, None)
    rule.refresh_from_db()
    assert rule.conditions == edited


# --- through the real customer socket (embedded mode) ------------------------------------------


async def row(conversation) -> Conversation:
    return await database_sync_to_async(Conversation.objects.get)(pk=conversation.pk)


CALM = "my package arrived damaged, the lamp shade is cracked"
ANGRY = (
    "THIS IS THE THIRD TIME, your useless company sent me a broken lamp again, "
    "I want a human NOW or I'm disputing the charge"
)


async def test_a_calm_damage_report_gets_its_flow_and_an_angry_one_a_person_at_once(queues) -> None:
    calm, ws = await chat()
    await ws.send_json_to({"type": "message", "body": CALM})
    frames = await frames_until(ws, lambda f: bot_said(f) or f["type"] == "handoff")
    assert bot_said(frames[-1]), "a calm report of a problem is no reason for a person"
    assert "order number" in frames[-1]["message"]["body"].lower()
    state = await row(calm)
    assert (state.status, state.intent, state.handoff_trigger) == ("bot", "damaged_item", "")
    await ws.send_json_to({"type": "message", "body": "A-1003"})
    what = (await frames_until(ws, bot_said))[-1]["message"]
    assert "what's wrong" in what["body"].lower()
    assert (await row(calm)).collected["order_number"] == "A-1003"
    await ws.disconnect()

    angry, ws = await chat("Sam")
    await ws.send_json_to({"type": "message", "body": ANGRY})
    frames = await frames_until(ws, lambda f: bot_said(f) or f["type"] == "handoff")
    assert frames[-1]["type"] == "handoff", "handed over at once, not asked for an order number"
    state = await row(angry)
    assert state.status == "queued" and state.handoff_trigger in ("explicit_request", "negative_sentiment")
    await ws.disconnect()


async def test_frustration_in_the_middle_of_a_flow_hands_over_at_once(queues) -> None:
    conversation, ws = await chat()
    await ws.send_json_to({"type": "message", "body": CALM})
    assert "order number" in (await frames_until(ws, bot_said))[-1]["message"]["body"].lower()
    await ws.send_json_to({"type": "message", "body": "this is ridiculous, I've told you three times already"})
    frames = await frames_until(ws, lambda f: bot_said(f) or f["type"] == "handoff")
    assert frames[-1]["type"] == "handoff", "the flow must not ask for the order number again"
    state = await row(conversation)
    assert (state.status, state.handoff_trigger) == ("queued", "negative_sentiment")
    await ws.disconnect()


def everyone_frustrated() -> None:
    """The shipped "A frustrated customer" rule made to hold for any message at all."""
    from routing.models import Rule
    from routing.rules import loader

    rule = Rule.objects.get(name="A frustrated customer")
    rule.conditions = {"match": "all", "items": [{"type": "frustration_at_least", "value": 0.0}]}
    rule.save()
    loader.forget()


async def test_a_button_the_flow_offered_is_its_answer_whatever_its_words_read_as(queues) -> None:
    """ "No" or "None of these" read as negative, and near the frustration line: picked from
    the bot's own buttons they answer the flow; typed words of the same feeling hand over."""
    from tests.test_kb_answers import thresholds

    await database_sync_to_async(thresholds)(answer_at=0.99, offer_at=0.2, offer_within=0.5)
    conversation, ws = await chat()
    await ws.send_json_to({"type": "message", "body": "how long does delivery to the UK take?"})
    offered = (await frames_until(ws, bot_said))[-1]["message"]["options"]
    assert offered[-1] == {"label": "None of these", "value": "none of these"}
    await database_sync_to_async(everyone_frustrated)()
    await ws.send_json_to({"type": "message", "body": "None of these"})
    reply = (await frames_until(ws, lambda f: bot_said(f) or f["type"] == "handoff"))[-1]
    assert reply["type"] == "message" and reply["message"]["options"][-1]["label"] == "Talk to a person"
    await ws.send_json_to({"type": "message", "body": "this is useless"})
    frames = await frames_until(ws, lambda f: bot_said(f) or f["type"] == "handoff")
    assert frames[-1]["type"] == "handoff"
    assert (await row(conversation)).handoff_trigger == "negative_sentiment"
    await ws.disconnect()


def test_the_packet_keeps_its_handoff_reading_while_each_message_keeps_its_own(queues, started) -> None:
    conversation, _ = started
    say(conversation, ANGRY)
    conversation.refresh_from_db()
    handed = (conversation.intent, conversation.intent_confidence, conversation.handoff_trigger)
    assert conversation.status == "queued" and handed[2] in ("explicit_request", "negative_sentiment")
    for later in ("hello? is anyone there", "where is my order A-1001?", "thanks, I'll wait"):
        say(conversation, later)
    conversation.refresh_from_db()
    assert (conversation.intent, conversation.intent_confidence, conversation.handoff_trigger) == handed
    packet = conversation_packet(conversation, include_internal=True)
    assert (packet["intent"], packet["handoff_trigger"]) == (handed[0], handed[2])
    readings = [m["prediction"] for m in packet["transcript"] if m["sender"] == "customer"]
    assert len(readings) == 4 and readings[2]["intent"] == "order_status"
    assert all(set(r["emotions"]) >= {"anger", "sadness"} and 0 <= r["frustration"] <= 1 for r in readings)
    # The packet's emotions and frustration are the latest message's (chat-protocol.md).
    assert (packet["emotions"], packet["frustration"]) == (readings[-1]["emotions"], readings[-1]["frustration"])


def test_a_supervisors_pattern_is_the_bots_wording_at_once(client, boss) -> None:
    answer = client.post(
        "/admin/bots/responsepattern/add/",
        {
            "emotion": "confusion",
            "threshold": "0.0",
            "opening": "Let me help.",
            "offer_person": "on",
            "order": "1",
            "active": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:1000]
    body, options = respond("What's the order number?", None, emotions={"confusion": 0.1}, frustration=0.0)
    assert body == "Let me help. What's the order number?"
    assert options == [{"label": "Talk to a person", "value": "agent"}]
    answer = client.post(
        "/admin/bots/responsepattern/add/",
        {"emotion": "anger", "threshold": "1.5", "opening": "x", "order": "1", "active": "on"},
    )
    assert answer.status_code == 200 and "Ensure this value is less than or equal to 1.0" in answer.content.decode()


async def test_the_reply_opens_as_the_pattern_says_through_the_socket(queues) -> None:
    await database_sync_to_async(ResponsePattern.objects.create)(
        emotion="confusion", threshold=0.0, opening="Let me help.", offer_person=True, order=1
    )
    patterns_forget()
    conversation, ws = await chat()
    await ws.send_json_to({"type": "message", "body": "where is my order?"})
    reply = (await frames_until(ws, bot_said))[-1]["message"]
    assert reply["body"].startswith("Let me help. ") and "order number" in reply["body"].lower()
    assert {"label": "Talk to a person", "value": "agent"} in reply["options"]
    await ws.disconnect()


@pytest.fixture
def alerts(monkeypatch) -> list[dict]:
    """The frames sent to the supervisors' group (a spy: they are still sent)."""
    from helpdesk.infrastructure import realtime

    seen: list[dict] = []
    original = realtime._send_all

    def spy(sends: list[tuple[str, dict]]) -> None:
        seen.extend(event["frame"] for group, event in sends if group == realtime.SUPERVISORS and "frame" in event)
        original(sends)

    monkeypatch.setattr(realtime, "_send_all", spy)
    return seen


def test_supervisors_hear_of_a_frustrated_customer_not_of_a_sad_one(queues, agent, started, alerts) -> None:
    from helpdesk.services.claims import conversation_accept
    from helpdesk.services.handoff import conversation_request_handoff

    conversation, _ = started
    conversation_request_handoff(conversation_id=conversation.pk, trigger="explicit_request", actor_type="customer")
    conversation_accept(conversation_id=conversation.pk, agent_user_id=agent.user.pk)
    mine = lambda: [a for a in alerts if a.get("type") == "alert" and a.get("conversation_id") == str(conversation.pk)]  # noqa: E731
    say(conversation, "unfortunately the vase I ordered arrived damaged")  # sentiment -0.92: alerted before
    assert mine() == []
    say(conversation, "your service is terrible, I'm so fed up")
    assert [a["text"] for a in mine()] == ["A frustrated customer in a chat held by an agent (General)."]


def test_the_migrations_rename_recorded_triggers_to_the_specs(queues) -> None:
    """routing 0005 and helpdesk 0010, run again over a desk that recorded the old names: a
    supervisor's rule and past handoffs move to metrics.md's names, the rule's history says so."""
    import importlib

    from django.apps import apps

    from helpdesk.services.conversations import conversation_start
    from routing.models import Rule, RuleChange

    rules = importlib.import_module("routing.migrations.0005_triggers_as_the_spec_names_them")
    handed = importlib.import_module("helpdesk.migrations.0010_triggers_as_the_spec_names_them")
    own = Rule.objects.create(
        name="Mine",
        conditions={"match": "all", "items": [{"type": "frustration_at_least", "value": 0.9}]},
        actions=[{"type": "handoff", "queue": "General", "trigger": "frustration"}, {"type": "add_tag", "tag": "x"}],
    )
    old = {}
    for trigger in ("frustration", "bot_unavailable", "topic_rule"):
        conversation, _ = conversation_start(name=trigger)
        Conversation.objects.filter(pk=conversation.pk).update(handoff_trigger=trigger)
        old[trigger] = conversation.pk
    rules.forward(apps, None)
    handed.forward(apps, None)
    own.refresh_from_db()
    assert own.actions == [
        {"type": "handoff", "queue": "General", "trigger": "negative_sentiment"},
        {"type": "add_tag", "tag": "x"},
    ]
    assert RuleChange.objects.filter(rule=own, kind="changed").count() == 1
    now = dict(Conversation.objects.filter(pk__in=old.values()).values_list("pk", "handoff_trigger"))
    assert [now[old[t]] for t in ("frustration", "bot_unavailable", "topic_rule")] == [
        "negative_sentiment",
        "bot_failure",
        "topic_rule",
    ]
