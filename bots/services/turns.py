"""The bot's turn in a conversation: greet, classify, then answer or hand over."""

from __future__ import annotations

from dataclasses import replace

from django.db.models import BooleanField, TextField
from django.db.models.expressions import RawSQL

from helpdesk.infrastructure import realtime
from helpdesk.infrastructure.prepared import Prepared
from helpdesk.models import Conversation, ConversationStatus, Message, Sender
from helpdesk.services.closing import conversation_resolve
from helpdesk.services.conversations import conversation_bot_failure_count
from helpdesk.services.fail_open import conversation_hand_over_unanswered, message_bot_failed
from helpdesk.services.handoff import conversation_request_handoff
from helpdesk.services.kb import gap_record
from helpdesk.services.messages import bot_say
from routing.decisions import carry_out
from routing.facts import earlier_readings_column, earlier_readings_from

from .. import replies, runtime
from ..flows import flow_for, flow_named, information
from ..flows.base import as_choice, thanks_reads
from ..models import MessagePrediction
from .deciding import decide_on_facts, flow_interrupted, message_facts, stored_reading
from .flows import apply_turn, context_for, say_with_reading
from .knowledge import knowledge_for, searched
from .predictions import ReadingTaken, message_read
from .state import flow_drop, state_of


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
    loaded = runtime.current()
    message = _message_for_turn(message_id, loaded.version_id)
    reading = message_read(message=message, loaded=loaded, unread=not message.read)
    prediction = reading.prediction
    conversation = message.conversation
    if conversation.status != ConversationStatus.BOT or message.overtaken or (message.read and _answered(message)):
        reading.store()
        if conversation.status == ConversationStatus.QUEUED:
            from .callback import handle_while_queued

            handle_while_queued(message)
        return
    # 1. A flow under way hears the answer first ("A-1002" is no new question), unless the
    # customer asks for a person or is frustrated (deciding.py INTERRUPTING); a button it
    # offered is always its answer.
    # The facts are gathered once a turn (three queries): the rules may be asked twice, here
    # and below, and only the bot's failures can change in between.
    facts = None
    state = state_of(conversation)
    if state.flow and (module := flow_named(state.flow)) is not None:
        emails: list[str] = []
        # A button the flow offered is its answer: the rules are not asked (nor their facts read).
        picked = as_choice(message.body) in (state.memory or {}).get("offered", [])
        if not picked:
            facts = message_facts(
                stored_reading(message.body, prediction, loaded),
                conversation=conversation,
                message_id=message.pk,
                earlier=message.earlier,
            )
        if picked or not flow_interrupted(facts):
            context = context_for(
                conversation, state, message, prediction.intent, emails, tone=prediction.sentiment_score
            )
            turn = module.resume(context)
            if turn.consumed:
                apply_turn(conversation, state, message, turn, module, reading, emails)
                return
        # The customer moved on: the flow's state is dropped in the transaction of whatever
        # this message leads to, not in one of its own.
        reading.changes.append(flow_drop)
        state.flow, state.step, state.tries = "", "", 0
    # 2. Thanks after an answer: resolved by the bot (a contained conversation). A thanks that
    # reads negative ("that didn't help at all") is no thanks: a turn the bot failed.
    unhelped = thanks_reads(prediction.intent, prediction.sentiment_score) == "no"
    if prediction.intent == "thanks_goodbye" and state.answered and not unhelped:
        reading.store()
        bot_say(
            conversation_id=conversation.pk,
            body="You're welcome — glad I could help. Goodbye!",
            data={"in_reply_to": message.pk},
        )
        conversation_resolve(conversation_id=conversation.pk, actor=None, actor_type="bot")
        return
    failures = conversation.bot_failures
    # An information question, or one the intents cannot place, is looked up in the knowledge
    # base before anything else is decided: an answer there is no failed turn.
    knowledge = (
        knowledge_for(message.body, vector=reading.vector, intent=prediction.intent)
        if searched(prediction.intent)
        else None
    )
    found = knowledge is not None and knowledge.kind != "none"
    if knowledge is not None and not found and prediction.intent != "out_of_scope":
        gap_record(text=message.body, guessed_intent=prediction.intent, reason="below_floor", vector=reading.vector)
    unplaced = prediction.intent == "out_of_scope" and not found
    if unplaced or unhelped:
        reading.store()
        if unplaced:
            # Questions the bot cannot place become knowledge-base gaps for supervisors.
            guess = next((name for name, _ in prediction.top_intents if name != "out_of_scope"), "")
            gap_record(text=message.body, guessed_intent=guess, reason="out_of_scope", vector=reading.vector)
        # A turn the bot cannot handle: counted before deciding, so "two failed turns" rules see it.
        conversation_bot_failure_count(conversation_id=conversation.pk)
        failures += 1
    conversation.bot_failures = failures
    if facts is None:
        facts = message_facts(
            stored_reading(message.body, prediction, loaded),
            conversation=conversation,
            message_id=message.pk,
            earlier=message.earlier,
        )
    decision = decide_on_facts(replace(facts, bot_failures=failures))
    if decision.tags or decision.notify or decision.priority or decision.route == "human":
        reading.store()
    carry_out(decision, conversation_id=conversation.pk, stage="on_message")
    if decision.route == "human":
        conversation_request_handoff(
            conversation_id=conversation.pk,
            trigger=decision.trigger,
            actor_type="bot",
            queue_name=decision.handoff_queue,
        )
        return
    # 3. The knowledge base's answer (or its two or three close articles to pick from).
    if found:
        emails = []
        context = context_for(conversation, state, message, prediction.intent, emails)
        context.knowledge = knowledge
        realtime.typing_to_customer(conversation.pk, "bot")
        apply_turn(conversation, state, message, information.start(context), information, reading, emails)
        return
    # 4. A flow for this intent, when there is one.
    module = flow_for(prediction.intent)
    if module is not None:
        emails = []
        turn = module.start(context_for(conversation, state, message, prediction.intent, emails))
        if turn.consumed:
            realtime.typing_to_customer(conversation.pk, "bot")
            apply_turn(conversation, state, message, turn, module, reading, emails)
            return
    realtime.typing_to_customer(conversation.pk, "bot")
    body, options = replies.reply_for(prediction.intent), [replies.TALK_TO_PERSON]
    if unhelped:
        body = replies.NOT_HELPED
    if prediction.intent == "out_of_scope" and failures >= 2:
        # The fallback ladder: a clarifying question first, then the likeliest intents as
        # buttons, then (the rules' "three turns") a person.
        body, options = replies.NARROW_DOWN, replies.likeliest_options(prediction.top_intents)
    say_with_reading(
        conversation.pk,
        reading,
        body=body,
        options=options,
        data={"in_reply_to": message.pk, "intent": prediction.intent},
    )


def bot_turn_failed(*, message_id: int) -> None:
    """The turn on this message raised: the message is marked (the recovery sweep does not send
    it to the bot again) and the customer handed to a person, told why."""
    conversation_id = message_bot_failed(message_id=message_id)
    if conversation_id is not None:
        conversation_hand_over_unanswered(conversation_id=conversation_id, message_id=message_id)


def _message_for_turn(message_id: int, version_id: int) -> Message:
    """The message with its conversation, customer and the bot's state, in one query,
    annotated with what the turn asks before it acts: `read` (this model version's reading is
    stored: a task run again), `overtaken` (the customer already wrote again, and is answered
    there, not here), `first_words` (the conversation's first customer message, for the
    summary) and `earlier` (the customer's messages before it and their readings, for the
    rules' facts)."""
    message = _TURN_READ.first(message_id=message_id, version_id=version_id)
    if message is None:
        raise Message.DoesNotExist(f"no customer message {message_id}")
    message.earlier = earlier_readings_from(message.earlier)
    return message


def _turn_read(message_id: int, version_id: int):
    # Written as SQL: the ORM's Exists/Subquery took longer to compile (~4 ms a turn on a
    # 2-core machine) than the three round trips they save. Plain SQL for PostgreSQL and SQLite.
    messages, predictions = Message._meta.db_table, MessagePrediction._meta.db_table
    return (
        Message.objects.select_related("conversation__customer", "conversation__bot_state")
        .annotate(
            # The message's id as a constant, not the outer row's: correlated, the planner may
            # hash every reading of the model version (a scan that grows with the desk's history).
            read=RawSQL(
                f"EXISTS (SELECT 1 FROM {predictions} p WHERE p.message_id = %s AND p.model_version_id = %s)",
                (message_id, version_id),
                output_field=BooleanField(),
            ),
            overtaken=RawSQL(
                f"EXISTS (SELECT 1 FROM {messages} l2 WHERE l2.conversation_id = {messages}.conversation_id"
                f" AND l2.sender = %s AND l2.id > {messages}.id)",
                (Sender.CUSTOMER,),
                output_field=BooleanField(),
            ),
            first_words=RawSQL(
                f"(SELECT f1.body FROM {messages} f1 WHERE f1.conversation_id = {messages}.conversation_id"
                " AND f1.sender = %s ORDER BY f1.id LIMIT 1)",
                (Sender.CUSTOMER,),
                output_field=TextField(),
            ),
            earlier=earlier_readings_column(),
        )
        .filter(pk=message_id, sender=Sender.CUSTOMER)
    )


# The turn's first statement, compiled once per process (helpdesk/infrastructure/prepared.py).
_TURN_READ = Prepared(_turn_read, message_id=int, version_id=int)


def _answered(message: Message) -> bool:
    """Idempotence (a task run again): each bot answer names the message it answers. Only
    asked when the reading is stored, since the common turn stores both together; bot_say
    repeats the check under the row lock."""
    return Message.objects.filter(
        conversation_id=message.conversation_id, sender=Sender.BOT, data__in_reply_to=message.pk
    ).exists()
