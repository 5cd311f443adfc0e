"""order_status: ask for the order number (validated, re-asked once), look it up, answer with
status, carrier and tracking link; an unknown number twice offers a person."""

from __future__ import annotations

import re

from .base import TALK_TO_PERSON, Context, LookupUnavailable, Turn

# A prefix joined to the digits ("A-1001", "a1001"), or apart from them only when it cannot be
# a word ("AB 1234", "a 1002"): "order no 1234", "it's 1234" and "is 55512" name no prefix.
PREFIXED = re.compile(r"(?<![\w'’])(?:([A-Za-z]{1,3})-?|([A-Z]{1,3}|[A-Za-z]) )(\d{3,8})\b")
# Digits alone, after "#" or after "order" and a few words ("my order is 55512").
BARE = re.compile(r"#\s?(\d{4,8})\b|\border\b[^\d\n]{0,20}?(?<![\w-])(\d{4,8})\b", re.IGNORECASE)
# "I don't have it", "can't find the number", "lost the email", "no idea": asked for the order
# number, the customer says there is none to give. Asking again is asking twice.
_NOT = r"(?:do ?n[o'’]?t|does ?n[o'’]?t|did ?n[o'’]?t|ca ?n[o'’]?t|can not|cannot|could ?n[o'’]?t|never|no longer)"
_VERB = r"(?:have|know|find|remember|recall|got|get|see|receive|received|kept|keep)"
# What the verb is about: the number, the email it came in, or nothing more ("I don't know").
_OBJECT = (
    r"(?:it|that|this|one|them|any|anything"
    r"|(?:the|my|an?|any|that|this) (?:order )?(?:number|confirmation|email|e-mail|mail|receipt)\w*)"
)
NO_NUMBER = re.compile(
    rf"\b{_NOT}\s+(?:\w+\s+)?{_VERB}(?:\s+{_OBJECT}\b[^?]*)?\s*[.!]*$"
    r"|^\W*(?:still\s+)?(?:no idea|no clue|not sure|dunno|lost it|lost the (?:email|mail|number|receipt))\W*$"
    r"|\bno (?:order )?(?:number|confirmation)\b",
    re.IGNORECASE,
)
STATUS_WORDS = {
    "processing": "is being prepared and hasn't shipped yet",
    "shipped": "has shipped",
    "delivered": "was delivered",
    "cancelled": "was cancelled",
    "returned": "was returned to us",
}


def find_number(text: str) -> str | None:
    match = PREFIXED.search(text)
    if match:
        return f"{(match.group(1) or match.group(2)).upper()}-{match.group(3)}"
    match = BARE.search(text)
    return (match.group(1) or match.group(2)) if match else None


def describe(order) -> str:
    text = f"Your order {order.number} {STATUS_WORDS.get(order.status, 'is ' + order.status)}"
    if order.status in ("shipped", "delivered") and order.carrier:
        text += f" with {order.carrier}"
        if order.tracking_number:
            text += f" (tracking number {order.tracking_number})"
    text += "."
    if order.tracking_url and order.status == "shipped":
        text += f" You can follow it here: {order.tracking_url}"
    return text + " Is there anything else I can help with?"


def start(ctx: Context) -> Turn:
    number = find_number(ctx.text) or ctx.collected.get("order_number")
    if number:
        return _look_up(ctx, number)
    return Turn(
        reply="I can check that for you. What's your order number? It looks like A-1001.",
        step="ask_number",
        options=[TALK_TO_PERSON],
    )


def resume(ctx: Context) -> Turn:
    number = find_number(ctx.text)
    if number:
        return _look_up(ctx, number)
    if NO_NUMBER.search(ctx.text):
        return Turn(
            reply="No problem. The number is in your order confirmation email, and under Account → Orders "
            "on the site. If you can't find it there, a person can look your order up by your email address.",
            step="ask_number",
            tries=1,
            options=[TALK_TO_PERSON],
        )
    if not re.search(r"\d", ctx.text) and ctx.intent not in ("order_status", "out_of_scope"):
        return Turn(consumed=False)
    if ctx.tries >= 1:
        return Turn(
            reply="I still can't read an order number there. Let me get you a person who can look it up.",
            handoff=("General", "bot_failure"),
        )
    return Turn(
        reply="That doesn't look like an order number — they look like A-1001 and are in your "
        "confirmation email. Could you check it?",
        step="ask_number",
        tries=ctx.tries + 1,
        options=[TALK_TO_PERSON],
    )


def _look_up(ctx: Context, number: str) -> Turn:
    try:
        order = ctx.lookup_order(number) if ctx.lookup_order else None
    except LookupUnavailable:
        return Turn(
            reply=f"I can't look orders up right now — the problem is on our side, sorry. "
            f"A person can check {number} for you.",
            collected={"order_number": number},
            options=[TALK_TO_PERSON],
        )
    if order is None:
        unknown = int(ctx.memory.get("unknown_orders", 0)) + 1
        if unknown >= 2:
            return Turn(
                reply=f"I can't find {number} either. A person can search more widely — shall I connect you?",
                collected={"order_number": number},
                memory={"unknown_orders": unknown},
                options=[TALK_TO_PERSON, {"label": "No thanks", "value": "no thanks"}],
            )
        return Turn(
            reply=f"I couldn't find an order {number}. Could you double-check the number?",
            memory={"unknown_orders": unknown},
            step="ask_number",
            options=[TALK_TO_PERSON],
        )
    collected = {"order_number": order.number, "order_status": order.status}
    if order.tracking_number:
        collected["tracking_number"] = order.tracking_number
    return Turn(
        reply=describe(order), collected=collected, options=[{"label": "That's all, thanks", "value": "thanks"}]
    )
