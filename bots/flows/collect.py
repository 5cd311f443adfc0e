"""Tier-2 flows: the bot collects what a human will need, answers what it can, then hands over
with everything gathered (so nobody asks twice)."""

from __future__ import annotations

import re

from .base import TALK_TO_PERSON, YES_NO, Context, LookupUnavailable, Turn, article_source
from .order_status import NO_NUMBER, find_number

FRAUD_SIGNS = re.compile(
    r"\b(hack|hacked|someone else|not me|didn'?t (do|make|place)|stolen|fraud|phishing)\b", re.IGNORECASE
)


def _need_order(ctx: Context, question: str) -> Turn | str:
    """The order number from this message or earlier ones, or a Turn asking for it."""
    number = find_number(ctx.text) or ctx.collected.get("order_number")
    if number:
        return number
    return Turn(reply=question, step="ask_number", options=[TALK_TO_PERSON])


class DamagedItem:
    """Order number, then what's wrong; then Returns takes over with both."""

    @staticmethod
    def start(ctx: Context) -> Turn:
        got = _need_order(ctx, "I'm sorry to hear that. What's the order number (like A-1001)?")
        if isinstance(got, Turn):
            return got
        return Turn(
            reply="Thanks. What's wrong with the item? A short description helps our Returns team — "
            "you can also send a photo with the paperclip button.",
            collected={"order_number": got},
            step="ask_damage",
        )

    @staticmethod
    def resume(ctx: Context) -> Turn:
        if ctx.step == "ask_number":
            number = find_number(ctx.text)
            if not number and NO_NUMBER.search(ctx.text):
                # Returns finds the order from the customer's details: the damage is what only
                # the customer can say.
                return Turn(
                    reply="No problem, our Returns team can find the order. What's wrong with the item? "
                    "You can also send a photo with the paperclip button.",
                    step="ask_damage",
                )
            if not number:
                if ctx.tries >= 1:
                    return Turn(handoff=("Returns", "topic_rule"))
                return Turn(
                    reply="I need the order number to find it — it's in your confirmation email, like A-1001.",
                    step="ask_number",
                    tries=ctx.tries + 1,
                    options=[TALK_TO_PERSON],
                )
            return Turn(
                reply="Thanks. What's wrong with the item?", collected={"order_number": number}, step="ask_damage"
            )
        if ctx.step == "ask_damage":
            if ctx.text.startswith("📎"):
                return Turn(
                    reply="Thanks for the photo. In a few words, what's wrong with the item?",
                    collected={"photo": True},
                    step="ask_damage",
                )
            return Turn(collected={"damage": ctx.text.strip()[:500]}, handoff=("Returns", "topic_rule"))
        return Turn(consumed=False)


class OrderQuestion:
    """refund_status and change_order: find the order and say what we see. When that answers the
    question (a refund whose return has arrived), the bot keeps the chat and offers a person;
    otherwise the team that can act takes it, with the order attached. A number the shop does
    not know is asked again once (a typo is likelier than a missing order)."""

    def __init__(self, queue: str, answers: dict[str, str], settled: frozenset[str] = frozenset()) -> None:
        self.queue = queue
        self.answers = answers
        self.settled = settled  # order statuses whose answer needs nobody to act

    def start(self, ctx: Context) -> Turn:
        got = _need_order(ctx, "Sure — which order is it about? The number looks like A-1001.")
        if isinstance(got, Turn):
            return got
        return self._with_order(ctx, got)

    def resume(self, ctx: Context) -> Turn:
        number = find_number(ctx.text)
        if not number and NO_NUMBER.search(ctx.text):
            return Turn(
                reply="No problem, a person will find the order from your details.",
                handoff=(self.queue, "topic_rule"),
            )
        if not number:
            if ctx.tries >= 1 or ctx.intent not in ("out_of_scope", "refund_status", "change_order"):
                return Turn(consumed=ctx.tries >= 1, handoff=("General", "bot_failure") if ctx.tries >= 1 else None)
            return Turn(
                reply="I need the order number — it's in your confirmation email.",
                step="ask_number",
                tries=ctx.tries + 1,
                options=[TALK_TO_PERSON],
            )
        return self._with_order(ctx, number)

    def _with_order(self, ctx: Context, number: str) -> Turn:
        try:
            order = ctx.lookup_order(number) if ctx.lookup_order else None
        except LookupUnavailable:
            return Turn(
                reply="I can't look orders up right now; a person will check it with you.",
                collected={"order_number": number},
                handoff=(self.queue, "topic_rule"),
            )
        if order is None:
            unknown = int(ctx.memory.get("unknown_orders", 0)) + 1
            if unknown < 2:
                return Turn(
                    reply=f"I couldn't find an order {number}. Could you double-check the number? "
                    "It's in your confirmation email and looks like A-1001.",
                    memory={"unknown_orders": unknown},
                    step="ask_number",
                    options=[TALK_TO_PERSON],
                )
            return Turn(
                reply=f"I can't find an order {number} either; a person will check it with you.",
                collected={"order_number": number},
                memory={"unknown_orders": unknown},
                handoff=(self.queue, "topic_rule"),
            )
        note = self.answers.get(order.status, "")
        collected = {"order_number": order.number, "order_status": order.status}
        if order.status in self.settled:
            return Turn(
                reply=f"{note} Is there anything else I can help with?",
                collected=collected,
                answered=True,
                options=[TALK_TO_PERSON, {"label": "That's all, thanks", "value": "thanks"}],
            )
        return Turn(reply=note or None, collected=collected, handoff=(self.queue, "topic_rule"))


class TechnicalIssue:
    """Walk the matching article's steps one at a time; after the last fails, Tech takes over.
    Each step is the article's own words, so its message carries the article as its source."""

    @staticmethod
    def _article(ctx: Context) -> tuple[list[str], list[dict[str, str | None]]]:
        article = ctx.find_article("technical_issue") if ctx.find_article else None
        if article is None or article.is_overdue() or not article.steps:
            return [], []
        return list(article.steps), [article_source(article)]

    @classmethod
    def start(cls, ctx: Context) -> Turn:
        steps, sources = cls._article(ctx)
        if not steps:
            return Turn(handoff=("Tech", "topic_rule"), collected={"problem": ctx.text[:500]})
        return Turn(
            reply=f"Let's try a quick fix. {steps[0]} Did that help?",
            options=YES_NO,
            step="step_0",
            collected={"problem": ctx.text[:500]},
            sources=sources,
        )

    @classmethod
    def resume(cls, ctx: Context) -> Turn:
        answer = ctx.helped(
            ("yes", "yes thanks", "yes, thanks", "it did", "yep", "yeah", "fixed", "works now"),
            ("no", "nope", "still not working", "didn't help", "not really"),
        )
        if answer == "yes":
            return Turn(reply="Great, glad it works again!", resolve=True)
        if answer != "no":
            return Turn(consumed=False)
        steps, sources = cls._article(ctx)
        index = int((ctx.step or "step_0").split("_")[1]) + 1
        if index >= len(steps):
            return Turn(
                reply="Sorry that didn't fix it. I'm passing you to our Tech team with the steps you tried.",
                collected={"steps_tried": len(steps)},
                handoff=("Tech", "bot_failure"),
            )
        return Turn(reply=f"Next: {steps[index]} Did that help?", options=YES_NO, step=f"step_{index}", sources=sources)


class AccountLocked:
    """Explain the unlock path; signs of fraud go to Security, urgent."""

    @staticmethod
    def start(ctx: Context) -> Turn:
        if FRAUD_SIGNS.search(ctx.text):
            return Turn(collected={"fraud_signs": True}, handoff=("Security", "topic_rule"))
        return Turn(
            reply="Accounts lock for 30 minutes after several failed sign-ins. You can unlock it at once by "
            "resetting your password from the sign-in page. Did that sort it out?",
            options=YES_NO,
            step="unlock_helped",
        )

    @staticmethod
    def resume(ctx: Context) -> Turn:
        if FRAUD_SIGNS.search(ctx.text):
            return Turn(collected={"fraud_signs": True}, handoff=("Security", "topic_rule"))
        answer = ctx.helped(
            ("yes", "yes thanks", "yes, thanks", "yep", "it did"),
            ("no", "nope", "not really", "didn't help"),
            thanks_is_yes=False,
        )
        if answer == "yes":
            return Turn(reply="Great — you're back in. Anything else?", answered=True)
        if answer == "no":
            return Turn(reply="Let me get our Security team to unlock it for you.", handoff=("Security", "topic_rule"))
        return Turn(consumed=False)


damaged_item = DamagedItem()
technical_issue = TechnicalIssue()
account_locked = AccountLocked()
refund_status = OrderQuestion(
    "Billing",
    {"returned": "I can see the return for that order arrived; refunds take up to 5 working days."},
    settled=frozenset({"returned"}),
)
change_order = OrderQuestion(
    "General",
    {
        "processing": "Good news: that order hasn't shipped yet, so it can still be changed.",
        "shipped": "That order has already shipped, so changes are limited, but our team will see what's possible.",
    },
)
