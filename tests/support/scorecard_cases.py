"""The scorecard's scripted set of conversations and the checks computed by hand from it,
shared by tests/test_scorecard.py and, on PostgreSQL, tests/postgres/test_scorecard_pg.py
(each collects the checks under its own marks)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from analytics.scorecard import scorecard
from helpdesk.models import Conversation
from helpdesk.services.claims import conversation_accept
from helpdesk.services.closing import conversation_resolve
from helpdesk.services.conversations import (
    conversation_close_by_customer,
    conversation_start,
    conversations_sweep_inactive,
    csat_submit,
)
from helpdesk.services.messages import agent_reply_post, customer_message_post


def say(conversation, body: str) -> None:
    customer_message_post(conversation_id=conversation.pk, body=body)


@pytest.fixture
def scripted(queues, agent):
    # 1. contained: answered from the knowledge base, "yes", rated 5.
    contained, _ = conversation_start(name="one")
    say(contained, "which payment methods do you accept?")
    say(contained, "yes")
    csat_submit(conversation_id=contained.pk, score=5)
    # 2. handed off and resolved by Grace, rated 3.
    handed, _ = conversation_start(name="two")
    say(handed, "can I talk to a real person please")
    conversation_accept(conversation_id=handed.pk, agent_user_id=agent.user_id)
    agent_reply_post(conversation_id=handed.pk, body="Hi!", author=agent.user, author_name="Grace")
    conversation_resolve(conversation_id=handed.pk, actor=agent)
    csat_submit(conversation_id=handed.pk, score=3)
    # 3. abandoned in the bot.
    left_bot, _ = conversation_start(name="three")
    say(left_bot, "hello")
    conversation_close_by_customer(conversation_id=left_bot.pk)
    # 4. abandoned in the queue (nobody online).
    left_queue, _ = conversation_start(name="four")
    say(left_queue, "I was charged twice for my order, please look into it")
    conversation_close_by_customer(conversation_id=left_queue.pk)
    # 5. never engaged.
    conversation_start(name="five")
    # 6. with an agent when the customer went silent.
    left_agent, _ = conversation_start(name="six")
    say(left_agent, "can I talk to a real person please")
    conversation_accept(conversation_id=left_agent.pk, agent_user_id=agent.user_id)
    agent_reply_post(
        conversation_id=left_agent.pk, body="Hello", author=agent.user, author_name="Grace"
    )
    # Silent for longer than HELPDESK_ABANDON_AFTER_SECONDS: the sweep ends it (closing the
    # chat with a person would resolve it).
    long_ago = timezone.now() - timedelta(seconds=settings.HELPDESK_ABANDON_AFTER_SECONDS + 60)
    Conversation.objects.filter(pk=left_agent.pk).update(last_customer_message_at=long_ago)
    assert conversations_sweep_inactive() == 1
    # 7. accepted by Grace, transferred to Tech, resolved there; not rated.
    from helpdesk.services.transfers import conversation_transfer
    from tests.support.people import make_agent

    tariq = make_agent("tariq", [queues["Tech"]])
    moved, _ = conversation_start(name="seven")
    say(moved, "can I talk to a real person please")
    conversation_accept(conversation_id=moved.pk, agent_user_id=agent.user_id)
    conversation_transfer(conversation_id=moved.pk, actor=agent, queue_name="Tech")
    conversation_accept(conversation_id=moved.pk, agent_user_id=tariq.user_id)
    conversation_resolve(conversation_id=moved.pk, actor=tariq)
    return {"contained": contained, "handed": handed}


def today() -> tuple[date, date]:
    now = timezone.localdate()
    return now, now + timedelta(days=1)


def test_every_figure_by_hand(scripted) -> None:
    card = scorecard(*today())
    assert (card["volume"], card["engaged"], card["ended"]) == (7, 6, 6)
    assert card["outcomes"] == {
        "contained": 1,
        "handed_off_resolved": 2,
        "abandoned_in_bot": 1,
        "abandoned_in_queue": 1,
        "abandoned_with_agent": 1,
    }
    assert card["containment_rate"] == round(1 / 6, 4)
    assert card["deflection_rate"] == round(2 / 6, 4)
    assert card["escalation_rate"] == round(4 / 6, 4)
    assert card["escalation_by_trigger"] == {"explicit_request": 0.5, "topic_rule": round(1 / 6, 4)}
    assert card["abandonment_rate"] == 0.5
    assert card["queue_abandonment_rate"] == 0.25
    assert card["transfer_rate"] == 0.25
    assert card["repeat_contact_rate"] == 0.0 and card["fcr_rate"] == 1.0
    assert card["csat_mean"] == 4.0 and card["csat_satisfied_rate"] == 0.5
    assert card["csat_response_rate"] == round(2 / 3, 4)
    assert card["csat_by_outcome"] == {"contained": 5.0, "handed_off_resolved": 3.0}
    assert card["handoff_wait"]["count"] == 3 and card["human_first_response"]["count"] == 2
    assert card["handle_time"]["count"] == 2 and card["resolution_time"]["count"] == 3
    # Only 1 and 3 got a bot message after the first customer message; the others went straight to a queue.
    assert card["bot_first_response"]["count"] == 2 and card["bot_first_response"]["median"] >= 0
    assert {r["trigger"]: r["count"] for r in card["top_escalation_reasons"]} == {
        "explicit_request": 3,
        "topic_rule": 1,
    }
    intents = {r["intent"]: r for r in card["by_intent"]}
    assert intents["payment_methods"]["containment_rate"] == 1.0 and intents["payment_methods"]["csat_mean"] == 5.0
    assert intents["billing_dispute"]["escalation_rate"] == 1.0
    assert card["sentiment_before_handoff"] is not None and card["sentiment_at_resolution"] is not None


def test_rates_without_a_denominator_are_null(queues) -> None:
    card = scorecard(date(2001, 1, 1), date(2001, 1, 2))
    assert card["volume"] == 0 and card["containment_rate"] is None and card["escalation_rate"] is None
    assert card["csat_mean"] is None and card["handoff_wait"] == {"median": None, "p90": None, "count": 0}
    assert card["repeat_contact_rate"] is None and card["fcr_rate"] is None


def test_a_repeat_contact_within_seven_days_counts(queues) -> None:
    first, _ = conversation_start(email="r@example.com")
    say(first, "which payment methods do you accept?")
    say(first, "yes")
    again, _ = conversation_start(email="r@example.com")
    say(again, "hello again")
    card = scorecard(*today())
    assert card["repeat_contact_rate"] == 1.0 and card["fcr_rate"] == 0.0
