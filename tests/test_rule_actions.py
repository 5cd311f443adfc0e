"""Every action the rule editor offers does what it says, at every stage, end to end: a rule
is saved, the desk runs (a customer message through the bot's turn, a handoff, the periodic
sweep) and the conversation shows the effect (routing/decisions.py has the table)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.infrastructure import realtime
from helpdesk.models import Conversation, ConversationEvent, ConversationStatus, EventKind
from helpdesk.services.conversations import conversation_start
from helpdesk.services.handoff import conversation_request_handoff
from helpdesk.services.messages import customer_message_post
from routing.escalation import escalate_due
from routing.rules.loader import forget
from routing.rules.schema import ACTION_PARAMS
from routing.services import rules_import

pytestmark = pytest.mark.django_db(transaction=True)

ACTIONS = {
    "handoff": {"type": "handoff", "queue": "Billing", "trigger": "topic_rule"},
    "set_priority": {"type": "set_priority", "priority": "high"},
    "add_tag": {"type": "add_tag", "tag": "sofa"},
    "notify_supervisors": {"type": "notify_supervisors", "message": "A sofa question"},
}
CONDITIONS = {
    "on_message": {"match": "all", "items": [{"type": "text_contains", "words": ["sofa"]}]},
    "on_handoff": {"match": "all", "items": [{"type": "text_contains", "words": ["sofa"]}]},
    "periodic": {"match": "all", "items": [{"type": "queue_wait_longer_than", "seconds": 60}]},
}


@pytest.fixture
def alerts(monkeypatch) -> list[dict]:
    """The frames sent to the supervisors' group (a spy: they are still sent)."""
    seen: list[dict] = []
    original = realtime._send_all

    def spy(sends: list[tuple[str, dict]]) -> None:
        seen.extend(event["frame"] for group, event in sends if group == realtime.SUPERVISORS and "frame" in event)
        original(sends)

    monkeypatch.setattr(realtime, "_send_all", spy)
    return seen


def the_rule(stage: str, action: dict) -> None:
    rules_import(
        [
            {
                "name": f"test {stage} {action['type']}",
                "stage": stage,
                "order": 1,
                "enabled": True,
                "stop_after": True,
                "conditions": CONDITIONS[stage],
                "actions": [action],
            }
        ]
    )
    forget()


def run_stage(stage: str) -> Conversation:
    """The desk doing what the stage is for, with a customer who asked about a sofa."""
    conversation, _ = conversation_start(name="Sam")
    customer_message_post(conversation_id=conversation.pk, body="a question about my new sofa")
    if stage != "on_message":
        conversation_request_handoff(
            conversation_id=conversation.pk, trigger="explicit_request", actor_type="customer", queue_name="General"
        )
    if stage == "periodic":
        Conversation.objects.filter(pk=conversation.pk).update(queued_at=timezone.now() - timedelta(minutes=5))
        escalate_due()
        escalate_due()  # a second sweep: each periodic rule fires once
    conversation.refresh_from_db()
    return conversation


def handed_to_billing(stage: str, conversation: Conversation, alerts: list[dict]) -> None:
    assert conversation.queue.name == "Billing"
    assert conversation.status in (ConversationStatus.QUEUED, ConversationStatus.ASSIGNED)
    if stage == "on_message":
        assert conversation.handoff_trigger == "topic_rule"
    else:
        # Why it left the bot stays the customer's request; the rule's reason is logged.
        assert conversation.handoff_trigger == "explicit_request"
    if stage == "periodic":
        moves = ConversationEvent.objects.filter(conversation=conversation, kind=EventKind.TRANSFERRED)
        assert [e.data["reason"] for e in moves] == ["topic_rule"]


def raised_to_high(stage: str, conversation: Conversation, alerts: list[dict]) -> None:
    assert conversation.get_priority_display() == "high"
    events = ConversationEvent.objects.filter(conversation=conversation, kind=EventKind.PRIORITY)
    assert [(e.old_value, e.new_value) for e in events] == [("normal", "high")]
    assert events[0].data["reason"].startswith(stage)


def tagged(stage: str, conversation: Conversation, alerts: list[dict]) -> None:
    assert conversation.tags == ["sofa"]


def alerted(stage: str, conversation: Conversation, alerts: list[dict]) -> None:
    mine = [a for a in alerts if a.get("type") == "alert" and a.get("conversation_id") == str(conversation.pk)]
    assert [a["text"] for a in mine] == ["A sofa question"]


EFFECTS: dict[str, Callable[[str, Conversation, list[dict]], None]] = {
    "handoff": handed_to_billing,
    "set_priority": raised_to_high,
    "add_tag": tagged,
    "notify_supervisors": alerted,
}


def test_every_offered_action_has_a_test() -> None:
    assert set(ACTIONS) == set(ACTION_PARAMS) == set(EFFECTS)


@pytest.mark.parametrize("stage", ["on_message", "on_handoff", "periodic"])
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_the_action_does_what_it_says(queues, alerts, stage: str, action: str) -> None:
    the_rule(stage, ACTIONS[action])
    conversation = run_stage(stage)
    EFFECTS[action](stage, conversation, alerts)


def test_a_rule_that_does_not_match_does_nothing(queues, alerts) -> None:
    the_rule("on_message", {"type": "add_tag", "tag": "sofa"})
    conversation, _ = conversation_start(name="Sam")
    customer_message_post(conversation_id=conversation.pk, body="where is my order A-1001")
    conversation.refresh_from_db()
    assert conversation.tags == [] and conversation.status == ConversationStatus.BOT


def test_the_facts_no_rule_asks_for_are_not_looked_up(queues) -> None:
    """The queue's business hours and the customer's history cost a query each on every turn:
    they are looked up only when an enabled rule of the stage asks, and then they hold."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from helpdesk.models import Queue
    from routing.facts import MessageReading, facts_for

    Queue.objects.filter(name="General").update(business_hours={"days": []})  # never open
    started, _ = conversation_start(name="Sam")
    conversation = Conversation.objects.select_related("customer").get(pk=started.pk)
    reading = MessageReading("hello", "greeting", 0.9, None, "neutral", 0.0)

    def facts(stage: str):
        with CaptureQueriesContext(connection) as queries:
            gathered = facts_for(conversation=conversation, reading=reading, message_id=1, stage=stage)
        return gathered, len(queries.captured_queries)

    # The shipped rules: on a message, "Repeat contact skips the bot" asks for the history.
    on_message, asked = facts(stage="on_message")
    assert on_message.inside_business_hours and on_message.conversation_ages_days
    periodic, _ = facts(stage="periodic")  # no periodic rule: neither is looked up
    assert periodic.conversation_ages_days == ()

    rules_import(
        [
            {
                "name": "test after hours",
                "stage": "on_message",
                "order": 1,
                "enabled": True,
                "stop_after": True,
                "conditions": {"match": "all", "items": [{"type": "business_hours", "inside": False}]},
                "actions": [{"type": "add_tag", "tag": "after-hours"}],
            }
        ]
    )
    forget()
    after_hours, asked_with_hours = facts(stage="on_message")
    assert not after_hours.inside_business_hours and asked_with_hours == asked + 1
    customer_message_post(conversation_id=conversation.pk, body="hello, anyone there?")
    conversation.refresh_from_db()
    assert conversation.tags == ["after-hours"]


def test_a_customer_back_for_the_third_time_this_week_is_handed_over(queues) -> None:
    """The shipped "Repeat contact skips the bot" reads the customer's history: gathered on a
    message because that rule asks for it (routing/facts.py), and acted on in the live turn."""
    from routing.facts import MessageReading, facts_for

    for _ in range(2):
        conversation_start(name="Rita", email="rita@example.com")
    third, _ = conversation_start(name="Rita", email="rita@example.com")
    customer_message_post(conversation_id=third.pk, body="hello")
    conversation = Conversation.objects.select_related("customer").get(pk=third.pk)
    reading = MessageReading("hi", "greeting", 0.9, None, "neutral", 0.0)
    facts = facts_for(conversation=conversation, reading=reading, message_id=10**9, stage="on_message")
    assert len(facts.conversation_ages_days) == 3 and all(0 <= age < 0.01 for age in facts.conversation_ages_days)
    assert conversation.handoff_trigger == "repeat_contact"
