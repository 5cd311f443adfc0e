"""The bot's flows (bots/flows) over several messages, as tables: start, then resume(s),
carrying step/tries/memory/collected forward as the bot does (bots/services/flows.py
`apply_turn`; a message a flow does not take drops the flow and may start another, as
bots/services/turns.py does). No database, socket or encoder: the routing rules, the model's
reading, replies outside flows and the database are tests/test_flows.py's, through the real
socket. One turn at a time: test_flow_turns.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from bots.flows import flow_for, flow_named, name_of
from bots.flows.base import Context, Turn
from tests.support.flow_world import A1001, PROBLEM, SHELVES, World, assert_documented

# --- conversations: start, then resume(s), as the bot carries them ---------------------------


@dataclass(frozen=True)
class Say:
    """A customer message, as the model read it, and what the flows made of it. `then`: "reply"
    (the flow answered and goes on or is over), "handoff QUEUE TRIGGER", "resolve", or
    "unhandled" (no flow took it: the bot's own reply). `at`: the flow under way afterwards,
    "name/step/tries", or "" for none."""

    text: str
    intent: str
    then: str
    at: str = ""
    says: str = ""


@dataclass(frozen=True)
class Conversation:
    name: str
    turns: tuple[Say, ...]
    collected: dict[str, Any] = field(default_factory=dict)  # the facts at the end
    memory: dict[str, Any] = field(default_factory=dict)  # the flows' notes at the end
    sent: tuple[str, ...] = ()


@dataclass
class Bot:
    """The bot's bookkeeping around the flows (bots/services/turns.py, flows.apply_turn), without
    the model, the rules or the database: what a Turn changes, and what the next Context gets."""

    world: World
    flow: str = ""
    step: str = ""
    tries: int = 0
    memory: dict[str, Any] = field(default_factory=dict)
    collected: dict[str, Any] = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)

    def hear(self, text: str, intent: str) -> Turn | None:
        if self.flow:
            module = flow_named(self.flow)
            turn = module.resume(self.context(text, intent))
            if turn.consumed:
                return self.apply(turn, module)
            self.flow, self.step, self.tries = "", "", 0  # flow_drop: the customer moved on
        module = flow_for(intent)
        if module is not None:
            turn = module.start(self.context(text, intent))
            if turn.consumed:
                return self.apply(turn, module)
        return None

    def context(self, text: str, intent: str) -> Context:
        return self.world.context(
            text,
            intent,
            collected=dict(self.collected),
            memory=dict(self.memory),
            step=self.step or None,
            tries=self.tries,
        )

    def apply(self, turn: Turn, module: Any) -> Turn:
        merged = {**self.collected, **turn.collected}  # collected_merge: None removes a key
        self.collected = {key: value for key, value in merged.items() if value is not None}
        if turn.step:
            self.flow, self.step, self.tries = name_of(module), turn.step, turn.tries
        else:
            self.flow, self.step, self.tries = "", "", 0
        self.memory = {**self.memory, **turn.memory}  # notes outlive the flow that wrote them
        self.turns.append(turn)
        return turn


def outcome(turn: Turn | None) -> str:
    if turn is None:
        return "unhandled"
    if turn.handoff:
        return "handoff {} {}".format(*turn.handoff)
    return "resolve" if turn.resolve else "reply"


DAMAGE = "it's cracked down the side"
CONVERSATIONS: list[Conversation] = [
    Conversation("order status: asked for the number, answered with tracking", (
        Say("where is my order?", "order_status", "reply", "order_status/ask_number/0", "What's your order number?"),
        Say("it's A-1001", "order_status", "reply", "", "has shipped with DHL (tracking number JD0146)"),
    ), collected=A1001),
    Conversation("order status: a bad number once, then unknown twice offers a person", (
        Say("order status please", "order_status", "reply", "order_status/ask_number/0"),
        Say("12", "order_status", "reply", "order_status/ask_number/1", "doesn't look like an order number"),
        Say("A-9999", "order_status", "reply", "order_status/ask_number/0", "couldn't find an order A-9999"),
        Say("A-9998", "order_status", "reply", "", "can't find A-9998 either"),
    ), collected={"order_number": "A-9998"}, memory={"unknown_orders": 2}),
    Conversation("order status: two unreadable answers hand over", (
        Say("where is my order?", "order_status", "reply", "order_status/ask_number/0"),
        Say("12", "order_status", "reply", "order_status/ask_number/1"),
        Say("345", "order_status", "handoff General bot_failure", "", "Let me get you a person"),
    )),
    Conversation("order status: the customer moves on to a question the knowledge base answers", (
        Say("where is my order?", "order_status", "reply", "order_status/ask_number/0"),
        Say("how do I pay?", "payment_methods", "reply", "information/helpful/0", "PayPal"),
        Say("yes", "out_of_scope", "resolve", "", "glad that helped"),
    ), memory={"article": 7}),
    Conversation("order status then damaged: the number carries over to the next flow", (
        Say("where is A-1004?", "order_status", "reply", "", "was delivered with UPS"),
        Say("it arrived broken though", "damaged_item", "reply", "damaged_item/ask_damage/0", "What's wrong"),
        Say("📎 lid.jpg", "out_of_scope", "reply", "damaged_item/ask_damage/0", "Thanks for the photo"),
        Say("the lid is cracked", "damaged_item", "handoff Returns topic_rule"),
    ), collected={"order_number": "A-1004", "order_status": "delivered", "tracking_number": "1Z999AA1",
                  "photo": True, "damage": "the lid is cracked"}),
    Conversation("order status: an unknown number is remembered past another flow", (
        Say("where is A-9999?", "order_status", "reply", "order_status/ask_number/0", "couldn't find"),
        Say("which payment methods do you take?", "payment_methods", "reply", "information/helpful/0"),
        Say("and my other order A-9998?", "order_status", "reply", "", "can't find A-9998 either"),
    ), collected={"order_number": "A-9998"}, memory={"unknown_orders": 2, "article": 7}),
    Conversation("damaged: the number, then the damage; Returns takes over", (
        Say("the vase I ordered arrived damaged", "damaged_item", "reply", "damaged_item/ask_number/0",
            "order number"),
        Say("A-1003", "out_of_scope", "reply", "damaged_item/ask_damage/0", "What's wrong with the item?"),
        Say(DAMAGE, "damaged_item", "handoff Returns topic_rule"),
    ), collected={"order_number": "A-1003", "damage": DAMAGE}),
    Conversation("damaged: no number twice, Returns takes it anyway", (
        Say("my parcel arrived crushed", "damaged_item", "reply", "damaged_item/ask_number/0"),
        Say("the big box", "out_of_scope", "reply", "damaged_item/ask_number/1", "I need the order number"),
        Say("sorry, no clue", "out_of_scope", "handoff Returns topic_rule"),
    )),
    Conversation("damaged: no number to give, the damage is asked and Returns takes it", (
        Say("my parcel arrived crushed", "damaged_item", "reply", "damaged_item/ask_number/0"),
        Say("I don't have it", "out_of_scope", "reply", "damaged_item/ask_damage/0", "Returns team can find"),
        Say(DAMAGE, "damaged_item", "handoff Returns topic_rule"),
    ), collected={"damage": DAMAGE}),
    Conversation("password reset: an unreadable answer, then the email", (
        Say("I forgot my password", "password_reset", "reply", "password_reset/ask_email/0"),
        Say("uh, the usual one", "password_reset", "reply", "password_reset/ask_email/1",
            "doesn't look like an email"),
        Say("Dana@Example.com", "out_of_scope", "reply", "", "If there's an account for dana@example.com"),
    ), collected={"email": "dana@example.com"}, sent=("dana@example.com",)),
    Conversation("password reset: two unreadable answers hand over, nothing is sent", (
        Say("I forgot my password", "password_reset", "reply", "password_reset/ask_email/0"),
        Say("dunno", "out_of_scope", "reply", "password_reset/ask_email/1"),
        Say("no idea", "out_of_scope", "handoff General bot_failure", "", "A person can help you instead"),
    )),
    Conversation("password reset: a new question leaves the flow", (
        Say("I forgot my password", "password_reset", "reply", "password_reset/ask_email/0"),
        Say("where is my order A-1001?", "order_status", "reply", "", "has shipped"),
    ), collected=A1001),
    Conversation("refund: asked for the order, its return arrived: answered, the bot keeps it", (
        Say("where's my refund?", "refund_status", "reply", "refund_status/ask_number/0", "which order"),
        Say("A-1003", "out_of_scope", "reply", "", "return for that order arrived"),
    ), collected={"order_number": "A-1003", "order_status": "returned"}),
    Conversation("refund: a mistyped number is asked again, the right one goes to Billing", (
        Say("has my refund for A-1010 gone through?", "refund_status", "reply", "refund_status/ask_number/0",
            "couldn't find an order A-1010"),
        Say("sorry, A-1001", "out_of_scope", "handoff Billing topic_rule"),
    ), collected={"order_number": "A-1001", "order_status": "shipped"}, memory={"unknown_orders": 1}),
    Conversation("refund: two unknown numbers go to Billing with the last", (
        Say("refund for A-1010?", "refund_status", "reply", "refund_status/ask_number/0"),
        Say("A-1011", "out_of_scope", "handoff Billing topic_rule", "", "A-1011 either"),
    ), collected={"order_number": "A-1011"}, memory={"unknown_orders": 2}),
    Conversation("refund: a new question leaves the flow, and its answer did not help", (
        Say("where's my refund?", "refund_status", "reply", "refund_status/ask_number/0"),
        Say("what are your shipping times?", "shipping_info", "reply", "information/helpful/0",
            "Orders ship within 2 working days"),
        Say("no", "out_of_scope", "reply", "", "tell me a bit more"),
    ), memory={"article": 8}),
    Conversation("change order: two answers without a number hand over to General", (
        Say("I want to change my order", "change_order", "reply", "change_order/ask_number/0"),
        Say("the blue one", "change_order", "reply", "change_order/ask_number/1", "I need the order number"),
        Say("the blue one!!", "change_order", "handoff General bot_failure"),
    )),
    Conversation("technical issue: three steps fail, Tech takes over with them", (
        Say(PROBLEM, "technical_issue", "reply", "technical_issue/step_0/0", "Reload the page."),
        Say("no", "out_of_scope", "reply", "technical_issue/step_1/0", "Clear your browser's cookies."),
        Say("no", "out_of_scope", "reply", "technical_issue/step_2/0", "Try another browser."),
        Say("no", "out_of_scope", "handoff Tech bot_failure", "", "passing you to our Tech team"),
    ), collected={"problem": PROBLEM, "steps_tried": 3}),
    Conversation("technical issue: the second step fixes it", (
        Say(PROBLEM, "technical_issue", "reply", "technical_issue/step_0/0"),
        Say("nope", "out_of_scope", "reply", "technical_issue/step_1/0"),
        Say("works now", "out_of_scope", "resolve", "", "glad it works again"),
    ), collected={"problem": PROBLEM}),
    Conversation("account locked: the unlock path works", (
        Say("my account is locked", "account_locked", "reply", "account_locked/unlock_helped/0", "30 minutes"),
        Say("yes", "out_of_scope", "reply", "", "you're back in"),
    )),
    Conversation("account locked: it didn't help, Security unlocks it", (
        Say("my account is locked", "account_locked", "reply", "account_locked/unlock_helped/0"),
        Say("no", "out_of_scope", "handoff Security topic_rule", "", "Security team"),
    )),
    Conversation("account locked: signs of fraud in the answer", (
        Say("my account is locked", "account_locked", "reply", "account_locked/unlock_helped/0"),
        Say("no, someone else changed my password", "security_fraud", "handoff Security topic_rule"),
    ), collected={"fraud_signs": True}),
    Conversation("account locked: thanks leaves the flow to the bot", (
        Say("my account is locked", "account_locked", "reply", "account_locked/unlock_helped/0"),
        Say("thanks", "thanks_goodbye", "unhandled"),
    )),
]  # fmt: skip


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c.name for c in CONVERSATIONS])
def test_a_conversation(conversation: Conversation) -> None:
    bot = Bot(World(SHELVES["desk"]))
    for number, say in enumerate(conversation.turns):
        turn = bot.hear(say.text, say.intent)
        where = f"{bot.flow}/{bot.step}/{bot.tries}" if bot.flow else ""
        assert (outcome(turn), where) == (say.then, say.at), f"message {number}: {say.text!r}"
        if say.says:
            assert turn is not None and turn.reply is not None and say.says in turn.reply, turn
        if say.then.startswith(("handoff", "resolve")):
            assert number == len(conversation.turns) - 1, "the conversation left the bot"
    assert bot.collected == conversation.collected
    assert bot.memory == conversation.memory
    assert bot.world.sent == list(conversation.sent)
    for turn in bot.turns:
        assert_documented(turn.collected)
    assert_documented(bot.collected)

