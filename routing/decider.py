"""The bot's question "keep it, or hand it over?", answered by the supervisors' rules.

Plugged into the bot's turn and `manage.py triage` through settings.HELPDESK_BOT_DECIDER, so
bots never imports routing (imports run config -> routing -> bots -> helpdesk).
"""

from __future__ import annotations

import time

from django.utils import timezone

from bots.triage import Decision as BotDecision
from bots.triage import Facts as BotFacts
from helpdesk.models import Conversation

from .rules.engine import Decision, Facts, evaluate
from .rules.loader import active_rules


def facts_for(bot_facts: BotFacts, conversation: Conversation | None) -> Facts:
    """The engine's facts: the message's reading plus what the desk knows of the customer."""
    tier, ages, channel, page_url, streak = "standard", (0.0,), "web", "", 0
    if bot_facts.sentiment == "negative":
        streak = 1
    if conversation is not None:
        customer = conversation.customer
        tier = customer.tier
        now = timezone.now()
        ages = tuple(
            (now - created).total_seconds() / 86400
            for created in Conversation.objects.filter(customer_id=customer.pk).values_list("created_at", flat=True)
        )
        channel, page_url = conversation.channel, conversation.page_url
        streak = negative_streak(
            conversation, current_is_negative=bot_facts.sentiment == "negative", message_id=bot_facts.message_id
        )
    from helpdesk.models import Queue
    from helpdesk.selectors.queues import inside_business_hours

    queue = Queue.objects.filter(name=bot_facts.intent_queue or "General").only("business_hours").first()
    return Facts(
        inside_business_hours=inside_business_hours(queue),
        text=bot_facts.text,
        intent=bot_facts.intent,
        intent_confidence=bot_facts.intent_confidence,
        intent_queue=bot_facts.intent_queue,
        sentiment=bot_facts.sentiment,
        sentiment_score=bot_facts.sentiment_score,
        negative_streak=streak,
        tier=tier,
        conversation_ages_days=ages,
        bot_failures=bot_facts.failed_turns,
        channel=channel,
        page_url=page_url,
    )


def negative_streak(conversation: Conversation, *, current_is_negative: bool, message_id: int | None) -> int:
    """Consecutive negative customer messages, ending with the one being decided. Its own
    reading is `current_is_negative` (the bot's turn stores it only with its answer); the
    earlier ones are read from their messages."""
    if not current_is_negative:
        return 0
    from helpdesk.models import Message

    earlier = Message.objects.filter(conversation=conversation, sender="customer")
    if message_id is not None:
        earlier = earlier.filter(pk__lt=message_id)
    streak = 1
    for data in earlier.order_by("-id").values_list("data", flat=True)[:10]:
        if ((data or {}).get("prediction") or {}).get("sentiment") != "negative":
            break
        streak += 1
    return streak


def decide(bot_facts: BotFacts, conversation: Conversation | None = None) -> BotDecision:
    decision = evaluate(active_rules(), facts_for(bot_facts, conversation), stage="on_message")
    return BotDecision(
        route=decision.route,
        queue=decision.handoff_queue,
        trigger=decision.trigger,
        failed_turn=bot_facts.intent == "out_of_scope",
        priority=decision.priority,
        tags=tuple(decision.tags),
        notify=tuple(decision.notify),
    )


def decide_traced(facts: Facts, *, stage: str = "on_message") -> tuple[Decision, float]:
    """For the dry run and the benchmark: the decision with every rule's verdict, and the time."""
    started = time.perf_counter()
    decision = evaluate(active_rules(), facts, stage=stage)
    return decision, (time.perf_counter() - started) * 1000
