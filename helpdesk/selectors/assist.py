"""What the inbox offers an agent on a conversation: an opening line, articles, canned replies."""

from __future__ import annotations

from typing import Any

from ..infrastructure import events
from ..models import CannedReply, Conversation, Message, Sender
from .kb import articles_for_question, intent_choices

OPENINGS = {
    "order_status": "I can see you're asking about your order{order} — let me check where it is.",
    "damaged_item": "I'm sorry your order{order} arrived damaged — let me sort that out for you.",
    "refund_status": "I can see you're waiting for a refund{order} — let me look into it.",
    "change_order": "I can see you'd like to change your order{order} — let me check what's still possible.",
    "billing_dispute": "I can see there's a problem with a charge{order} — I'll look into it right away.",
    "cancel_subscription": "I understand you'd like to cancel your membership — I can help with that.",
    "security_fraud": "Thanks for telling us — I'll secure your account first and then look at what happened.",
    "complaint": "I'm sorry about your experience — I've read everything so far and I'm here to put it right.",
    "technical_issue": "Sorry the site is giving you trouble — I've seen the steps you tried.",
    "account_locked": "I can help you get back into your account.",
    "legal_privacy": "Thanks for your message about your data — I'll take care of your request.",
}


def suggested_opening(conversation: Conversation) -> str:
    """A first reply that shows the customer they need not repeat themselves. Without a name
    it greets "Hi there", and a body that opens with "I" keeps its capital: "Hi, i'm sorry"
    read as a typo to the testers (issue 17)."""
    words = (conversation.customer.name or "").split()
    order = (conversation.collected or {}).get("order_number")
    body = OPENINGS.get(
        conversation.intent, "Thanks for waiting — I've read the conversation so far, so no need to repeat anything."
    ).format(order=f" {order}" if order else "")
    return f"Hi {words[0] if words else 'there'}, {_mid_sentence(body)}"


def _mid_sentence(text: str) -> str:
    """The line's first word as it reads after a comma: lower case, except the pronoun I."""
    first = text.split(" ", 1)[0]
    if first == "I" or first.startswith(("I'", "I’")):
        return text
    return text[0].lower() + text[1:]


# How many of the customer's latest messages the assist search reads.
ASSIST_WORDS_FROM = 3


def assist_for(conversation: Conversation) -> dict[str, list[dict[str, Any]]]:
    """Articles and canned replies for the agent; and for a conversation the bot handed over
    (the only kind an agent rates), the intents the agent may name as the right one."""
    intent = conversation.intent
    articles = _articles_for(conversation)
    if not articles:
        articles = [
            {"id": str(a.pk), "title": a.title, "text": a.body.strip().split("\n\n")[0]}
            for a in articles_for_question(intent=intent)[:3]
        ]
    replies = [
        {"id": str(r.pk), "title": r.title, "text": r.body}
        for r in CannedReply.objects.all()
        if not r.intents or (intent and intent in r.intents)
    ][:5]
    found: dict[str, list[dict[str, Any]]] = {"articles": articles, "replies": replies}
    if conversation.first_handoff_at is not None:
        # Out of scope included; asked of the bot, which owns them (`kb.intents`).
        found["intents"] = [{"name": name, "description": text} for name, text in intent_choices()]
    return found


def _articles_for(conversation: Conversation) -> list[dict[str, Any]]:
    """The three passages that best answer the customer's own latest words, from the bot's
    knowledge-base search (asked through `kb.searching`: the encoder lives in the bot)."""
    latest = list(
        Message.objects.filter(conversation=conversation, sender=Sender.CUSTOMER, internal=False)
        .order_by("-id")
        .values_list("body", flat=True)[:ASSIST_WORDS_FROM]
    )
    text = " ".join(reversed(latest)).strip()
    if not text:
        return []
    answers = events.ask("kb.searching", text=text[:1000], limit=3)
    return answers[0] if answers else []
