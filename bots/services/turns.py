"""The bot's turn in a conversation: greet, classify, then answer or hand over."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q

from helpdesk import realtime
from helpdesk.locks import lock_conversation
from helpdesk.models import Conversation, ConversationStatus, Message, Priority, Sender
from helpdesk.services.handoff import conversation_request_handoff, conversation_resolve
from helpdesk.services.kb import gap_record
from helpdesk.services.messages import bot_say

from .. import replies
from ..flows import flow_for, flow_named
from ..flows.base import Turn
from ..triage import Facts, decide
from .flows import apply_turn, context_for
from .predictions import ReadingTaken, message_read

PRIORITY_BY_NAME = {p.label: p.value for p in Priority}


def bot_greet(*, conversation_id: str) -> None:
    conversation = Conversation.objects.select_related("customer").get(pk=conversation_id)
    first_name = (conversation.customer.name or "").split(" ")[0]
    bot_say(conversation_id=conversation_id, body=replies.greeting(first_name), options=[replies.TALK_TO_PERSON])


def bot_handle_message(*, message_id: int) -> None:
    """Classify a customer message (always: the agent sees the reading even when a human holds
    the chat) and, while the bot holds the conversation, act on it. Safe to run twice.
    The inbox's pushes wait until the customer's answer is out (realtime.customer_first)."""
    with realtime.customer_first():
        try:
            _handle_message(message_id)
        except ReadingTaken:
            pass  # a second run of this task, racing the first: the first one answers


def _handle_message(message_id: int) -> None:
    # The customer waits from here to the answer's commit: the common turn reads the message,
    # its conversation and customer in one query and writes the reading, the flow's state and
    # the answer in one transaction (`Reading.store_locked`). Paths that hand over, resolve or
    # stop store the reading first, so everything after them sees it.
    message = Message.objects.select_related("conversation__customer").get(pk=message_id, sender=Sender.CUSTOMER)
    reading = message_read(message=message)
    prediction, loaded = reading.prediction, reading.loaded
    conversation = message.conversation
    if conversation.status != ConversationStatus.BOT or _answered_or_overtaken(message):
        reading.store()
        if conversation.status == ConversationStatus.QUEUED:
            from .callback import handle_while_queued

            handle_while_queued(message)
        return
    # 1. A flow under way hears the answer first ("A-1002" is no new question).
    state = (conversation.collected or {}).get("_flow")
    if state and (module := flow_named(state.get("name", ""))) is not None:
        turn = module.resume(context_for(conversation, message, prediction.intent))
        if turn.consumed:
            apply_turn(conversation, message, turn, module, reading)
            return
        apply_turn(conversation, message, Turn(collected={"_flow": None}), module, reading)
        conversation.refresh_from_db()
    # 2. Thanks after an answer: resolved by the bot (a contained conversation).
    if prediction.intent == "thanks_goodbye" and (conversation.collected or {}).get("answered"):
        reading.store()
        bot_say(
            conversation_id=conversation.pk,
            body="You're welcome — glad I could help. Goodbye!",
            data={"in_reply_to": message.pk},
        )
        conversation_resolve(conversation_id=conversation.pk, actor=None, actor_type="bot")
        return
    failures = conversation.bot_failures
    if prediction.intent == "out_of_scope":
        reading.store()
        # Questions the bot cannot place become knowledge-base gaps for supervisors.
        guess = next((name for name, _ in prediction.top_intents if name != "out_of_scope"), "")
        gap_record(text=message.body, guessed_intent=guess, reason="out_of_scope")
        # A turn the bot cannot handle: counted before deciding, so "two failed turns" rules see it.
        Conversation.objects.filter(pk=conversation.pk).update(bot_failures=F("bot_failures") + 1)
        failures += 1
    decision = decide(
        Facts(
            text=message.body,
            intent=prediction.intent,
            intent_confidence=prediction.intent_confidence,
            tier=loaded.tiers.get(prediction.intent, 0),
            intent_queue=loaded.queues.get(prediction.intent),
            sentiment=prediction.sentiment,
            sentiment_score=prediction.sentiment_score,
            failed_turns=failures,
            message_id=message.pk,
        ),
        conversation,
    )
    if decision.tags or decision.notify or decision.route == "human":
        reading.store()
    _apply_side_effects(conversation, decision)
    if decision.route == "human":
        conversation_request_handoff(
            conversation_id=conversation.pk,
            trigger=decision.trigger,
            actor_type="bot",
            queue_name=decision.queue,
            priority=PRIORITY_BY_NAME.get(decision.priority or ""),
        )
        return
    # 3. A flow for this intent, when there is one.
    module = flow_for(prediction.intent)
    if module is not None:
        turn = module.start(context_for(conversation, message, prediction.intent))
        if turn.consumed:
            realtime.typing_to_customer(conversation.pk, "bot")
            apply_turn(conversation, message, turn, module, reading)
            return
    realtime.typing_to_customer(conversation.pk, "bot")
    body, options = replies.reply_for(prediction.intent), [replies.TALK_TO_PERSON]
    if prediction.intent == "out_of_scope" and failures >= 2:
        # The fallback ladder: a clarifying question first, then the likeliest intents as
        # buttons, then (the rules' "three turns") a person.
        body, options = replies.NARROW_DOWN, replies.likeliest_options(prediction.top_intents)
    with transaction.atomic():
        locked = lock_conversation(conversation.pk)
        reading.store_locked(locked)
        bot_say(
            conversation_id=conversation.pk,
            body=body,
            options=options,
            data={"in_reply_to": message.pk, "intent": prediction.intent},
            locked=locked,
        )


def _answered_or_overtaken(message: Message) -> bool:
    """Idempotence (a task may run twice): each bot answer names the message it answers, and
    a customer who already wrote again is answered there, not here. Both come after the message
    (one query). Two runs at once both pass this check; message_post repeats the first half
    under the row lock."""
    return (
        Message.objects.filter(conversation_id=message.conversation_id, pk__gt=message.pk)
        .filter(Q(sender=Sender.CUSTOMER) | Q(sender=Sender.BOT, data__in_reply_to=message.pk))
        .exists()
    )


def _apply_side_effects(conversation: Conversation, decision) -> None:
    """What rules add besides the route: tags on the conversation, notes to supervisors."""
    if decision.tags:
        with transaction.atomic():
            locked = lock_conversation(conversation.pk)
            locked.tags = sorted(set(locked.tags or []) | set(decision.tags))
            locked.save(update_fields=["tags", "updated_at"])
    for text in decision.notify:
        realtime.agents_frame(
            [realtime.SUPERVISORS],
            {
                "type": "alert",
                "text": text or "A routing rule asked for your attention.",
                "conversation_id": str(conversation.pk),
            },
        )
