"""What the live chat does with a conversation's first message, without keeping any of it:
`manage.py triage`'s answer (knowledge-base.md §3).

The real turn runs (bots/services/turns.py) on a new conversation inside a transaction that is
rolled back. So triage cannot drift from the chat: a flow's first step that hands over at once
(a refund's order found, a technical problem with no article to walk through, signs of fraud)
is a handoff here too, and an answer drawn from an article is the one the customer would get.
Nothing it wrote survives: no conversation, reading, gap or served count, and no push or task,
since those wait for a commit that never comes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from helpdesk.infrastructure import events, realtime
from helpdesk.models import Conversation, ConversationEvent, EventKind, KnowledgeAnswer, Message, Sender
from helpdesk.services.conversations import conversation_start
from helpdesk.services.messages import customer_message_post

from ..models import MessagePrediction
from .turns import bot_handle_message


@dataclass
class FirstTurn:
    reading: MessagePrediction
    route: str  # bot | human
    queue: str | None = None
    trigger: str | None = None
    answer: dict[str, Any] | None = None
    choices: list[dict[str, Any]] = field(default_factory=list)


def first_turn(text: str) -> FirstTurn:
    """The live chat's decision on `text` as a conversation's first message. Raises the
    kernel's ServiceError for a message the chat would refuse (empty, too long)."""
    with transaction.atomic():
        turn = _run(text)
        transaction.set_rollback(True)
    return turn


def _run(text: str) -> FirstTurn:
    conversation, _ = conversation_start()
    message, _ = customer_message_post(conversation_id=conversation.pk, body=text)
    with realtime.sends_collected(into=[]):  # the bot's "typing…" to a socket no one holds
        bot_handle_message(message_id=message.pk)
        _route_handoff(conversation)
    conversation = Conversation.objects.select_related("queue").get(pk=conversation.pk)
    turn = FirstTurn(reading=MessagePrediction.objects.get(message=message), route="bot")
    if conversation.first_handoff_at is not None:
        turn.route, turn.trigger = "human", conversation.handoff_trigger
        turn.queue = conversation.queue.name if conversation.queue_id else None
        return turn
    for served in KnowledgeAnswer.objects.filter(conversation=conversation).select_related("article").order_by("id"):
        found = _article(served.article_id, served.article.title, served.score)
        if served.kind == "answer":
            turn.answer = found
        else:
            turn.choices.append(found)
    if turn.answer is None and not turn.choices:
        # An article found by the message's intent (an information intent's article, the first
        # step of a technical problem's fix): its score is the intent's confidence.
        reply = Message.objects.filter(conversation=conversation, sender=Sender.BOT, data__in_reply_to=message.pk)
        sources = (reply.values_list("data", flat=True).first() or {}).get("sources") or []
        if sources:
            turn.answer = _article(sources[0]["id"], sources[0]["title"], turn.reading.intent_confidence)
    return turn


def _article(article_id: int | str, title: str, score: float) -> dict[str, Any]:
    """knowledge-base.md §3's article: `answer`, or one of `choices`."""
    return {"article_id": str(article_id), "title": title, "score": round(score, 4)}


def _route_handoff(conversation: Conversation) -> None:
    """Routing picks the queue for a requested handoff after the commit (the on_handoff rules
    may name another); here it is asked at once, inside the transaction."""
    asked = ConversationEvent.objects.filter(conversation=conversation, kind=EventKind.HANDOFF_REQUESTED).first()
    if asked is None:
        return
    events.dispatch(
        "conversation.handoff_requested",
        {
            "conversation_id": str(conversation.pk),
            "trigger": asked.new_value,
            "queue_name": asked.data.get("queue"),
            "priority": asked.data.get("priority"),
        },
    )
