"""Running bot flows against the desk: state, replies, handoffs, resolution, article counters."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import transaction

from helpdesk.infrastructure.locks import lock_conversation
from helpdesk.models import Article, Conversation, ConversationStatus, Message, Priority
from helpdesk.orders import OrdersUnavailable, order_lookup
from helpdesk.selectors.kb import article_for_question
from helpdesk.services.closing import conversation_resolve
from helpdesk.services.conversations import collected_merge
from helpdesk.services.handoff import conversation_request_handoff
from helpdesk.services.kb import (
    article_count,
    article_stale_asked,
    gap_record,
    kb_answer_log,
    kb_answer_outcome,
    kb_answer_served,
)
from helpdesk.services.messages import bot_say
from helpdesk.services.outbox import email_enqueue

from ..flows import name_of
from ..flows.base import Context, LookupUnavailable, Turn, choices_offered
from ..models import FlowState
from .patterns import respond
from .predictions import Reading
from .state import flow_drop, state_save


def reset_email(email: str) -> tuple[str, str]:
    """The password-reset email's subject and body. Always sent as if the account exists: the
    chat must not reveal who has one."""
    link = settings.HELPDESK_PASSWORD_RESET_URL.format(email=email)
    return (
        "Reset your password",
        f"Hello,\n\nUse this link to choose a new password (valid for an hour):\n{link}\n\n"
        "If you did not ask for this, ignore this email.",
    )


def _raise_for_tests() -> None:
    """TEST ONLY (settings.HELPDESK_TEST_RAISE_FILE, never set in a deployment): while that
    file exists, every flow fails as a flow with a bug would, so tests/faults can prove the
    customer is handed over."""
    path = settings.HELPDESK_TEST_RAISE_FILE
    if path and os.path.exists(path):
        raise RuntimeError("a flow raised (HELPDESK_TEST_RAISE_FILE)")


def _lookup_order(number: str):
    try:
        return order_lookup().find(number)
    except OrdersUnavailable as error:
        raise LookupUnavailable() from error


def context_for(
    conversation: Conversation,
    state: FlowState,
    message: Message,
    intent: str,
    emails: list[str] | None = None,
    *,
    tone: float | None = None,
) -> Context:
    """`emails`: where a flow's password-reset requests are noted; `apply_turn` puts them in
    the outbox in the answer's transaction (a mail server that is down never holds up the
    answer, and a turn run twice sends once). `tone`: the message's sentiment score."""
    _raise_for_tests()
    return Context(
        text=message.body,
        intent=intent,
        collected=dict(conversation.collected or {}),
        memory=dict(state.memory or {}),
        customer_email=conversation.customer.email,
        step=state.step or None,
        tries=state.tries,
        lookup_order=_lookup_order,
        find_article=article_for_question,  # the kernel's one rule for a question's article
        send_reset_email=(emails if emails is not None else []).append,
        tone=tone,
    )


def say_with_reading(
    conversation_id,
    reading: Reading,
    *,
    body: str = "",
    options: list[dict[str, str]] | None = None,
    data: dict | None = None,
    change: Callable[[Conversation], list[str]] | None = None,
    change_writes_state: bool = False,
    handing_over: bool = False,
) -> bool:
    """The bot's answer stored with the message's reading and `change` (the flow's state) under
    one lock: one transaction, one UPDATE of the conversation, and the answer pushed on commit.
    The answer opens as the supervisors' response pattern for the message's emotion says
    (`handing_over`: the bot hands over after it, so no person is offered). False when the
    conversation left the bot while it was thinking (the customer closed the chat or asked for
    a person): the reading is kept, nothing else happens."""
    if body:
        prediction = reading.prediction
        body, options = respond(
            body,
            options,
            emotions=prediction.emotions or {},
            frustration=prediction.frustration,
            handing_over=handing_over,
        )
    with transaction.atomic():
        locked = lock_conversation(conversation_id)
        if change_writes_state and locked.status == ConversationStatus.BOT:
            # `change` writes the bot's state whole below: dropping the old flow first would
            # write the same row twice. (Off the bot, `change` is not applied: the drop stays.)
            reading.changes = [c for c in reading.changes if c is not flow_drop]
        fields = reading.store_locked(locked)
        if locked.status != ConversationStatus.BOT:
            if fields:
                locked.save(update_fields=fields)
            return False
        if change is not None:
            fields += change(locked)
        if body:
            bot_say(conversation_id=locked.pk, body=body, options=options, data=data, locked=locked, with_fields=fields)
        elif fields:
            locked.save(update_fields=fields)
    return True


def apply_turn(
    conversation: Conversation,
    state: FlowState,
    message: Message,
    turn: Turn,
    module,
    reading: Reading,
    emails: Sequence[str] = (),
) -> None:
    # The message's reading, the facts gathered, the bot's own state and its reply commit
    # together; the knowledge-base bookkeeping comes after, off the customer's wait.
    def flow_state(locked: Conversation) -> list[str]:
        first_words = getattr(message, "first_words", None)
        fields = collected_merge(conversation=locked, values=turn.collected, first_words=first_words)
        if turn.step:
            state.flow, state.step, state.tries = name_of(module), turn.step, turn.tries
        else:
            state.flow, state.step, state.tries = "", "", 0
            if turn.reply and not turn.handoff:
                state.answered = True
        state.answered = state.answered or turn.answered
        # The buttons this answer offers: the next message that picks one is an answer to the
        # flow, whatever feeling its words read as (deciding.py `flow_interrupted`).
        offered = choices_offered(turn.options) if turn.step else []
        state.memory = {**(state.memory or {}), **turn.memory, "offered": offered}
        state_save(state)  # whole: flow, step and tries included (change_writes_state below)
        for to in emails:
            subject, body = reset_email(to)
            email_enqueue(kind="password_reset", to=to, subject=subject, body=body, key=f"reset:{message.pk}:{to}")
        return fields

    data = {"in_reply_to": message.pk, "flow": name_of(module)}
    if turn.sources:
        data["sources"] = turn.sources
    still_with_bot = say_with_reading(
        conversation.pk,
        reading,
        body=turn.reply or "",
        options=turn.options,
        data=data,
        change=flow_state,
        change_writes_state=True,
        handing_over=bool(turn.handoff),
    )
    if not still_with_bot:
        return
    _knowledge_bookkeeping(conversation, message, turn)
    if turn.handoff:
        queue, trigger = turn.handoff
        urgent = bool((turn.collected or {}).get("fraud_signs"))
        conversation_request_handoff(
            conversation_id=conversation.pk,
            trigger=trigger,
            actor_type="bot",
            queue_name=queue,
            priority=Priority.URGENT if urgent else None,
        )
    elif turn.resolve:
        conversation_resolve(conversation_id=conversation.pk, actor=None, actor_type="bot")


def _knowledge_bookkeeping(conversation: Conversation, message: Message, turn: Turn) -> None:
    """Content performance (metrics.md): what was served or offered, and what the customer
    said of it; a question the knowledge base did not answer becomes a gap. After the answer's
    commit, off the customer's wait."""
    if turn.article_id:
        if turn.handoff and turn.handoff[1] == "stale_article":
            article_stale_asked(article=Article.objects.select_related("owner").get(pk=turn.article_id))
        elif turn.feedback in ("helped", "not_helped"):
            article_count(article_id=turn.article_id, outcome=turn.feedback)
            kb_answer_outcome(conversation_id=conversation.pk, outcome=turn.feedback, article_id=turn.article_id)
        elif not turn.offered:
            article_count(article_id=turn.article_id, outcome="served")  # an intent's article (no search)
    question = turn.memory.get("question") or message.body
    for answer in turn.offered:
        served = {
            "conversation_id": conversation.pk,
            "question": question,
            "article_id": answer.article_id,
            "passage": answer.passage,
            "score": answer.score,
        }
        if turn.sources:
            kb_answer_served(**served)  # counted and logged, unless deleted since it was chosen
        else:
            kb_answer_log(**served, kind="choice")
    if turn.feedback in ("not_helped", "none_fit"):
        asked = Message.objects.filter(conversation=conversation, sender="customer", pk__lt=message.pk).last()
        gap_record(text=(asked or message).body, guessed_intent=conversation.intent or "", reason="not_helped")
