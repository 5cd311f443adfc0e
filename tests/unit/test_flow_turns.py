"""The bot's flows (bots/flows), one turn at a time, as tables: no database, no socket, no encoder.

ROWS: one `start` or `resume` of every flow in the registry, on every path: the happy path, each
retry (`tries`) and the give-up handoff with its queue and trigger, "not an answer to me"
(`consumed=False`), the facts that go into `collected` against the flow's own notes in `memory`,
and `answered`, `resolve`, `feedback`, `article_id`. Each row is checked against the whole Turn
(every field but the reply, whose key words are checked), and the flow must leave its Context's
`collected` and `memory` untouched. Across the rows, `collected` only ever holds the documented
facts (helpdesk.models.COLLECTED_FIELDS) and every one of them occurs. Multi-turn walks:
test_flow_conversations.py; the registry and text helpers: test_flow_registry.py; the fake
world: tests/support/flow_world.py.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field, replace
from typing import Any

import pytest

from bots.flows import BY_NAME, flow_named
from bots.flows.base import YES_NO, Turn
from helpdesk.models import COLLECTED_FIELDS
from tests.support.flow_world import (
    A1001,
    ASK,
    DOCUMENTED,
    DONE,
    GIVE_UP,
    NOTES,
    OFFER_PERSON,
    PROBLEM,
    SHELVES,
    World,
    assert_documented,
)

# --- one turn: every flow, every path -------------------------------------------------------

# The intent a row's message is read as, unless it says otherwise.
OWN_INTENT = {name: name for name in BY_NAME} | {"information": "payment_methods"}


@dataclass(frozen=True)
class Row:
    name: str
    flow: str  # its registry name (bots.flows.BY_NAME)
    call: str  # "start" | "resume"
    text: str
    want: dict[str, Any]  # the Turn's fields other than the reply, over Turn()'s defaults
    says: tuple[str, ...] = ()  # pieces of the reply; () = no reply at all
    _: KW_ONLY
    never_says: tuple[str, ...] = ()
    intent: str = ""  # "" = the flow's own (OWN_INTENT)
    step: str | None = None
    tries: int = 0
    memory: dict[str, Any] = field(default_factory=dict)
    collected: dict[str, Any] = field(default_factory=dict)
    shelf: str = "desk"
    sent: tuple[str, ...] = ()  # reset emails sent during the turn
    tone: float | None = None  # the message's sentiment score (a thanks that reads glad or not)


A1001_SAYS = (
    "Your order A-1001 has shipped with DHL (tracking number JD0146).",
    "You can follow it here: https://www.dhl.com/track?id=JD0146",
    "Is there anything else I can help with?",
)
RETRY_NUMBER = {"step": "ask_number", "tries": 1, "options": ASK}
A1003_REFUND = {
    "collected": {"order_number": "A-1003", "order_status": "returned"},
    "answered": True,
    "options": [*ASK, *DONE],
}
RESET_SENT = {"collected": {"email": "dana@example.com"}, "options": DONE}
HELPED = {"resolve": True, "feedback": "helped", "article_id": 7}
NOT_HELPED = {"options": ASK, "feedback": "not_helped", "article_id": 7}
# A step of the tech article is its own words: the message names the article (knowledge-base.md §2).
FIX_SOURCE = [{"id": "9", "title": "An article", "url": None}]
FRAUD = {"collected": {"fraud_signs": True}, "handoff": ("Security", "topic_rule")}

ROWS: list[Row] = [
    # order_status: ask, look up, describe; a bad answer is asked again once; unknown twice offers a person.
    Row("order start: the order API is down: says so, offers a person", "order_status", "start",
        "where is my order Z-9999?", {"collected": {"order_number": "Z-9999"}, "options": ASK},
        ("I can't look orders up right now", "A person can check Z-9999 for you.")),
    Row("order start: no number asks for it", "order_status", "start", "where is my order?",
        {"step": "ask_number", "options": ASK}, ("What's your order number? It looks like A-1001.",)),
    Row("order start: a number in the message answers at once", "order_status", "start",
        "where is my order A-1001?", {"collected": A1001, "options": DONE}, A1001_SAYS),
    Row("order start: 'a 1002' reads as A-1002; not shipped, no tracking", "order_status", "start", "a 1002 please",
        {"collected": {"order_number": "A-1002", "order_status": "processing"}, "options": DONE},
        ("Your order A-1002 is being prepared and hasn't shipped yet.",), never_says=("follow it", "tracking")),
    Row("order start: the number from an earlier message", "order_status", "start", "where is it?",
        {"collected": {"order_number": "A-1003", "order_status": "returned"}, "options": DONE},
        ("Your order A-1003 was returned to us.",), collected={"order_number": "A-1003"}),
    Row("order start: delivered names the carrier, shows no link", "order_status", "start", "A-1004?",
        {"collected": {"order_number": "A-1004", "order_status": "delivered", "tracking_number": "1Z999AA1"},
         "options": DONE},
        ("Your order A-1004 was delivered with UPS (tracking number 1Z999AA1).",), never_says=("follow it",)),
    Row("order start: cancelled", "order_status", "start", "A-1005",
        {"collected": {"order_number": "A-1005", "order_status": "cancelled"}, "options": DONE},
        ("Your order A-1005 was cancelled.",)),
    Row("order start: a status without words of its own", "order_status", "start", "A-1006",
        {"collected": {"order_number": "A-1006", "order_status": "on hold"}, "options": DONE},
        ("Your order A-1006 is on hold.",)),
    Row("order start: shipped without a carrier still links", "order_status", "start", "A1007",
        {"collected": {"order_number": "A-1007", "order_status": "shipped"}, "options": DONE},
        ("Your order A-1007 has shipped. You can follow it here: https://post.example/t/7",)),
    Row("order start: a carrier without a tracking number", "order_status", "start", "A-1008",
        {"collected": {"order_number": "A-1008", "order_status": "shipped"}, "options": DONE},
        ("Your order A-1008 has shipped with GLS.",), never_says=("tracking number", "follow it")),
    Row("order start: '#12345' not found is noted in memory, asked again", "order_status", "start",
        "order #12345", {"memory": {"unknown_orders": 1}, "step": "ask_number", "options": ASK},
        ("I couldn't find an order 12345. Could you double-check the number?",)),
    Row("order start: a second unknown number offers a person", "order_status", "start", "what about A-9999",
        {"collected": {"order_number": "A-9999"}, "memory": {"unknown_orders": 2}, "options": OFFER_PERSON},
        ("I can't find A-9999 either.", "shall I connect you?"), memory={"unknown_orders": 1}),
    Row("order resume: the number answers", "order_status", "resume", "it's A-1001",
        {"collected": A1001, "options": DONE}, A1001_SAYS, step="ask_number"),
    Row("order resume: a number after a retry answers, tries end", "order_status", "resume", "A-1001",
        {"collected": A1001, "options": DONE}, A1001_SAYS, step="ask_number", tries=1),
    Row("order resume: not a number is asked again once", "order_status", "resume", "12", RETRY_NUMBER,
        ("That doesn't look like an order number", "A-1001"), step="ask_number"),
    Row("order resume: no digits, read as order_status, is a try", "order_status", "resume", "the blue one",
        RETRY_NUMBER, ("doesn't look like an order number",), step="ask_number"),
    Row("order resume: no number to give is not asked again: where to find it, or a person", "order_status",
        "resume", "I don't have it", {"step": "ask_number", "tries": 1, "options": ASK},
        ("No problem.", "confirmation email", "Account → Orders", "look your order up by your email"),
        never_says=("doesn't look like",), intent="out_of_scope", step="ask_number"),
    Row("order resume: whatever the reading of 'no idea'", "order_status", "resume", "no idea",
        {"step": "ask_number", "tries": 1, "options": ASK}, ("No problem.",), intent="thanks_goodbye",
        step="ask_number"),
    Row("order resume: no digits, out of scope, is a try", "order_status", "resume", "hmm", RETRY_NUMBER,
        ("doesn't look like an order number",), intent="out_of_scope", step="ask_number"),
    Row("order resume: a digit makes it a try whatever the reading", "order_status", "resume", "I ordered 2 vases",
        RETRY_NUMBER, ("doesn't look like an order number",), intent="damaged_item", step="ask_number"),
    Row("order resume: the second miss hands over", "order_status", "resume", "34", {"handoff": GIVE_UP},
        ("I still can't read an order number there.", "Let me get you a person"), step="ask_number", tries=1),
    Row("order resume: another question is not an answer", "order_status", "resume", "how do I pay?",
        {"consumed": False}, intent="payment_methods", step="ask_number"),
    Row("order resume: unknown number, noted, asked again (tries start over)", "order_status", "resume",
        "A-9999", {"memory": {"unknown_orders": 1}, "step": "ask_number", "options": ASK},
        ("I couldn't find an order A-9999.",), step="ask_number", tries=1),
    Row("order resume: unknown twice offers a person", "order_status", "resume", "A-9998",
        {"collected": {"order_number": "A-9998"}, "memory": {"unknown_orders": 2}, "options": OFFER_PERSON},
        ("I can't find A-9998 either.",), step="ask_number", memory={"unknown_orders": 1}),
    # password_reset: the same answer whether or not an account exists; the chat's own email is not used.
    Row("reset start: asks for the email", "password_reset", "start", "I forgot my password",
        {"step": "ask_email", "options": ASK}, ("What's the email address on your account?",)),
    Row("reset start: an email in the message is sent to, lower-cased", "password_reset", "start",
        "reset the password for Dana@Example.COM", RESET_SENT,
        ("If there's an account for dana@example.com, a reset link is on its way", "valid for an hour"),
        sent=("dana@example.com",)),
    Row("reset resume: the email is sent to", "password_reset", "resume", "dana@example.com", RESET_SENT,
        ("If there's an account for dana@example.com",), step="ask_email", sent=("dana@example.com",)),
    Row("reset resume: an email after a retry is sent to", "password_reset", "resume", "it's dana@example.com",
        RESET_SENT, ("If there's an account for dana@example.com",), step="ask_email", tries=1,
        sent=("dana@example.com",)),
    Row("reset resume: not an email is asked again once", "password_reset", "resume", "dana at example dot com",
        {"step": "ask_email", "tries": 1, "options": ASK}, ("That doesn't look like an email address.",),
        step="ask_email"),
    Row("reset resume: out of scope is a try", "password_reset", "resume", "asdf",
        {"step": "ask_email", "tries": 1, "options": ASK}, ("doesn't look like an email address",),
        intent="out_of_scope", step="ask_email"),
    Row("reset resume: the second miss hands over", "password_reset", "resume", "still no", {"handoff": GIVE_UP},
        ("A person can help you instead.",), step="ask_email", tries=1),
    Row("reset resume: another question is not an answer", "password_reset", "resume", "where is my order?",
        {"consumed": False}, intent="order_status", step="ask_email"),
    # information: the first paragraph of a fresh article, then "did that answer it?".
    Row("info start: serves the first paragraph as chat text", "information", "start", "how can I pay?",
        {"options": YES_NO, "step": "helpful", "article_id": 7, "memory": {"article": 7},
         "sources": [{"id": "7", "title": "Ways to pay", "url": "https://help.example/pay"}]},
        ("Ways to pay: we take PayPal (https://www.paypal.com) and cards.\n\nDid that answer your question?",),
        never_says=("charged when the order ships", "**")),
    Row("info start: a heading loses its marks", "information", "start", "how long does shipping take?",
        {"options": YES_NO, "step": "helpful", "article_id": 8, "memory": {"article": 8},
         "sources": [{"id": "8", "title": "An article", "url": None}]},
        ("Shipping\nOrders ship within 2 working days.\n\nDid that answer your question?",),
        never_says=("#", "Express"), intent="shipping_info"),
    Row("info start: no article is not the flow's to answer", "information", "start", "how can I pay?",
        {"consumed": False}, shelf="empty"),
    Row("info start: an overdue article goes to its owners' queue", "information", "start", "can I return it?",
        {"handoff": ("Returns", "stale_article"), "article_id": 11}, intent="return_policy"),
    Row("info start: an overdue article without owners goes to General", "information", "start",
        "how do I change my address?", {"handoff": ("General", "stale_article"), "article_id": 12},
        intent="update_account"),
    Row("info resume: yes resolves, the article helped", "information", "resume", "yes", HELPED,
        ("Great — glad that helped!",), step="helpful", memory={"article": 7}),
    Row("info resume: 'Yes, thanks!' is a yes", "information", "resume", "Yes, thanks!", HELPED,
        ("glad that helped",), step="helpful", memory={"article": 7}),
    Row("info resume: 'Thank you.' is a yes", "information", "resume", "Thank you.", HELPED,
        ("glad that helped",), step="helpful", memory={"article": 7}),
    Row("info resume: 'perfect' is a yes", "information", "resume", "perfect", HELPED, ("glad that helped",),
        step="helpful", memory={"article": 7}),
    Row("info resume: yes without a noted article still resolves", "information", "resume", "yes",
        {"resolve": True, "feedback": "helped"}, ("glad that helped",), step="helpful"),
    Row("info resume: no, the article did not help; more words or a person", "information", "resume", "no",
        NOT_HELPED, ("Sorry about that.", "shall I get a person?"), step="helpful", memory={"article": 7}),
    Row("info resume: 'Nope.' is a no", "information", "resume", "Nope.", NOT_HELPED, ("Sorry about that.",),
        step="helpful", memory={"article": 7}),
    Row("info resume: 'it didn't' is a no", "information", "resume", "it didn't", NOT_HELPED,
        ("Sorry about that.",), step="helpful", memory={"article": 7}),
    Row("info resume: a thanks that reads unhappy is a no", "information", "resume", "that didn't help at all",
        NOT_HELPED, ("Sorry about that.",), intent="thanks_goodbye", tone=-0.92, step="helpful",
        memory={"article": 7}),
    Row("info resume: a glad thanks is a yes", "information", "resume", "ok thanks, bye", HELPED,
        ("glad that helped",), intent="thanks_goodbye", tone=0.94, step="helpful", memory={"article": 7}),
    Row("info resume: a faint thanks is neither", "information", "resume", "thanks anyway", {"consumed": False},
        intent="thanks_goodbye", tone=-0.22, step="helpful", memory={"article": 7}),
    Row("info resume: a new question is not an answer", "information", "resume", "and what about shipping?",
        {"consumed": False}, intent="shipping_info", step="helpful", memory={"article": 7}),
    # damaged_item: the order number, then what is wrong (a photo on the way); Returns takes over.
    Row("damaged start: asks for the order number", "damaged_item", "start", "the vase arrived damaged",
        {"step": "ask_number", "options": ASK}, ("I'm sorry to hear that. What's the order number",)),
    Row("damaged start: a number in the message asks what is wrong", "damaged_item", "start",
        "order A-1003 arrived damaged", {"collected": {"order_number": "A-1003"}, "step": "ask_damage"},
        ("What's wrong with the item?", "paperclip")),
    Row("damaged start: the number from an earlier message", "damaged_item", "start", "it arrived broken",
        {"collected": {"order_number": "A-1004"}, "step": "ask_damage"}, ("What's wrong with the item?",),
        collected={"order_number": "A-1004"}),
    Row("damaged start: the number is taken as given, not looked up", "damaged_item", "start",
        "A-9999 arrived broken", {"collected": {"order_number": "A-9999"}, "step": "ask_damage"},
        ("What's wrong with the item?",)),
    Row("damaged resume: the number, then what is wrong", "damaged_item", "resume", "A-1003",
        {"collected": {"order_number": "A-1003"}, "step": "ask_damage"}, ("Thanks. What's wrong with the item?",),
        step="ask_number"),
    Row("damaged resume: no number is asked again once", "damaged_item", "resume", "hmm", RETRY_NUMBER,
        ("I need the order number to find it",), step="ask_number"),
    Row("damaged resume: no number to give: Returns finds the order, the damage is asked", "damaged_item",
        "resume", "I can't find the confirmation email", {"step": "ask_damage"},
        ("No problem, our Returns team can find the order.", "What's wrong with the item?"),
        intent="account_signup", step="ask_number"),
    Row("damaged resume: any text without a number is a try, whatever the reading", "damaged_item", "resume",
        "where is my refund?", RETRY_NUMBER, ("I need the order number",), intent="refund_status",
        step="ask_number"),
    Row("damaged resume: the second miss hands Returns the case", "damaged_item", "resume", "hmm",
        {"handoff": ("Returns", "topic_rule")}, step="ask_number", tries=1),
    Row("damaged resume: a photo is noted, the damage still asked", "damaged_item", "resume", "📎 crack.png",
        {"collected": {"photo": True}, "step": "ask_damage"}, ("Thanks for the photo.",), step="ask_damage"),
    Row("damaged resume: the damage, and Returns takes over", "damaged_item", "resume", "  cracked down the side ",
        {"collected": {"damage": "cracked down the side"}, "handoff": ("Returns", "topic_rule")},
        step="ask_damage"),
    Row("damaged resume: the damage is cut at 500 characters", "damaged_item", "resume", "x" * 600,
        {"collected": {"damage": "x" * 500}, "handoff": ("Returns", "topic_rule")}, step="ask_damage"),
    Row("damaged resume: no step of its own is not an answer", "damaged_item", "resume", "hello",
        {"consumed": False}, step=None),
    # refund_status / change_order: find the order and say what we see; a refund whose return
    # arrived is answered, anything else goes to the team that acts, with the order.
    Row("refund start: the order API is down: Billing checks it", "refund_status", "start",
        "refund for Z-9999", {"collected": {"order_number": "Z-9999"}, "handoff": ("Billing", "topic_rule")},
        ("I can't look orders up right now",)),
    Row("refund start: asks which order", "refund_status", "start", "where is my refund?",
        {"step": "ask_number", "options": ASK}, ("which order is it about?",)),
    Row("refund start: a returned order: the refund's timing, and the bot keeps the chat", "refund_status",
        "start", "refund for A-1003", A1003_REFUND,
        ("I can see the return for that order arrived", "Is there anything else I can help with?")),
    Row("refund start: nothing to say about a shipped order, Billing takes it", "refund_status", "start",
        "refund for A-1001",
        {"collected": {"order_number": "A-1001", "order_status": "shipped"}, "handoff": ("Billing", "topic_rule")}),
    Row("refund start: an unknown order is asked again once", "refund_status", "start", "refund for A-9999",
        {"memory": {"unknown_orders": 1}, "step": "ask_number", "options": ASK},
        ("I couldn't find an order A-9999. Could you double-check the number?",)),
    Row("refund resume: a second unknown order goes to Billing", "refund_status", "resume", "A-9998",
        {"collected": {"order_number": "A-9998"}, "memory": {"unknown_orders": 2},
         "handoff": ("Billing", "topic_rule")},
        ("I can't find an order A-9998 either; a person will check it with you.",),
        step="ask_number", memory={"unknown_orders": 1}),
    Row("refund start: the number from an earlier message", "refund_status", "start", "is it refunded yet?",
        A1003_REFUND, ("return for that order arrived",), collected={"order_number": "A-1003"}),
    Row("refund resume: the number", "refund_status", "resume", "A-1003", A1003_REFUND,
        ("return for that order arrived",), step="ask_number"),
    Row("refund resume: no number is asked again once", "refund_status", "resume", "hmm, wait", RETRY_NUMBER,
        ("I need the order number",), step="ask_number"),
    Row("refund resume: no number to give: Billing finds the order", "refund_status", "resume",
        "I don't have the order number", {"handoff": ("Billing", "topic_rule")},
        ("a person will find the order from your details",), step="ask_number"),
    Row("refund resume: out of scope is a try", "refund_status", "resume", "hmm", RETRY_NUMBER,
        ("I need the order number",), intent="out_of_scope", step="ask_number"),
    Row("refund resume: the second miss hands over, to General, without a word", "refund_status", "resume",
        "hmm, still looking", {"handoff": GIVE_UP}, step="ask_number", tries=1),
    Row("refund resume: another question is not an answer", "refund_status", "resume", "how do I pay?",
        {"consumed": False}, intent="payment_methods", step="ask_number"),
    Row("refund resume: after a retry, another question hands over", "refund_status", "resume", "how do I pay?",
        {"handoff": GIVE_UP}, intent="payment_methods", step="ask_number", tries=1),
    Row("change start: asks which order", "change_order", "start", "I want to change my order",
        {"step": "ask_number", "options": ASK}, ("which order is it about?",)),
    Row("change start: not shipped yet can still change; General", "change_order", "start",
        "change the size on A-1002",
        {"collected": {"order_number": "A-1002", "order_status": "processing"}, "handoff": ("General", "topic_rule")},
        ("that order hasn't shipped yet, so it can still be changed",)),
    Row("change start: shipped limits the changes; General", "change_order", "start", "change A-1001",
        {"collected": {"order_number": "A-1001", "order_status": "shipped"}, "handoff": ("General", "topic_rule")},
        ("already shipped, so changes are limited",)),
    Row("change start: delivered, nothing to say; General", "change_order", "start", "change A-1004",
        {"collected": {"order_number": "A-1004", "order_status": "delivered"},
         "handoff": ("General", "topic_rule")}),
    Row("change resume: no number is asked again once", "change_order", "resume", "the blue one", RETRY_NUMBER,
        ("I need the order number",), step="ask_number"),
    Row("change resume: an unknown order is asked again once", "change_order", "resume", "A-9999",
        {"memory": {"unknown_orders": 1}, "step": "ask_number", "options": ASK},
        ("I couldn't find an order A-9999",), step="ask_number"),
    Row("change resume: a second unknown order goes to General", "change_order", "resume", "A-9998",
        {"collected": {"order_number": "A-9998"}, "memory": {"unknown_orders": 2},
         "handoff": ("General", "topic_rule")},
        ("I can't find an order A-9998 either",), step="ask_number", memory={"unknown_orders": 1}),
    # technical_issue: the fresh article's steps one at a time; after the last, Tech.
    Row("tech start: the first step", "technical_issue", "start", PROBLEM,
        {"options": YES_NO, "step": "step_0", "collected": {"problem": PROBLEM}, "sources": FIX_SOURCE},
        ("Let's try a quick fix. Reload the page. Did that help?",)),
    Row("tech start: the problem is cut at 500 characters", "technical_issue", "start", "e" * 600,
        {"options": YES_NO, "step": "step_0", "collected": {"problem": "e" * 500}, "sources": FIX_SOURCE},
        ("Reload the page.",)),
    Row("tech start: no article, Tech at once with the problem", "technical_issue", "start", PROBLEM,
        {"handoff": ("Tech", "topic_rule"), "collected": {"problem": PROBLEM}}, shelf="empty"),
    Row("tech start: an overdue article is not walked", "technical_issue", "start", PROBLEM,
        {"handoff": ("Tech", "topic_rule"), "collected": {"problem": PROBLEM}}, shelf="stale fix"),
    Row("tech start: an article without steps is not walked", "technical_issue", "start", PROBLEM,
        {"handoff": ("Tech", "topic_rule"), "collected": {"problem": PROBLEM}}, shelf="no steps"),
    Row("tech resume: no, the next step", "technical_issue", "resume", "no",
        {"options": YES_NO, "step": "step_1", "sources": FIX_SOURCE},
        ("Next: Clear your browser's cookies. Did that help?",), step="step_0"),
    Row("tech resume: 'Nope.', the last step", "technical_issue", "resume", "Nope.",
        {"options": YES_NO, "step": "step_2", "sources": FIX_SOURCE},
        ("Next: Try another browser. Did that help?",), step="step_1"),
    Row("tech resume: the last step failed, Tech takes over with the count", "technical_issue", "resume",
        "didn't help", {"collected": {"steps_tried": 3}, "handoff": ("Tech", "bot_failure")},
        ("Sorry that didn't fix it.",), step="step_2"),
    Row("tech resume: a one-step article failed", "technical_issue", "resume", "still not working",
        {"collected": {"steps_tried": 1}, "handoff": ("Tech", "bot_failure")}, ("Sorry that didn't fix it.",),
        step=None, shelf="one step"),
    Row("tech resume: the article went away mid-walk", "technical_issue", "resume", "no",
        {"collected": {"steps_tried": 0}, "handoff": ("Tech", "bot_failure")}, ("Sorry that didn't fix it.",),
        step="step_0", shelf="empty"),
    Row("tech resume: yes resolves", "technical_issue", "resume", "yes", {"resolve": True},
        ("Great, glad it works again!",), step="step_1"),
    Row("tech resume: 'Works now!' resolves", "technical_issue", "resume", "Works now!", {"resolve": True},
        ("glad it works again",), step="step_0"),
    Row("tech resume: 'fixed' resolves", "technical_issue", "resume", "fixed", {"resolve": True},
        ("glad it works again",), step="step_0"),
    Row("tech resume: a thanks that reads unhappy, the next step", "technical_issue", "resume",
        "thanks but that didn't change anything", {"options": YES_NO, "step": "step_1", "sources": FIX_SOURCE},
        ("Next: Clear your browser's cookies.",), intent="thanks_goodbye", tone=-0.8, step="step_0"),
    Row("tech resume: a glad thanks resolves", "technical_issue", "resume", "great, thank you!", {"resolve": True},
        ("glad it works again",), intent="thanks_goodbye", tone=0.95, step="step_0"),
    Row("tech resume: another question is not an answer", "technical_issue", "resume", "can I get a refund?",
        {"consumed": False}, intent="refund_status", step="step_0"),
    # account_locked: the unlock path; signs of fraud go to Security (urgent, by the bot's handoff).
    Row("locked start: the unlock path", "account_locked", "start", "my account is locked",
        {"options": YES_NO, "step": "unlock_helped"},
        ("Accounts lock for 30 minutes", "resetting your password", "Did that sort it out?")),
    Row("locked start: 'hacked' goes to Security", "account_locked", "start",
        "my account is locked, I think someone hacked it", FRAUD),
    Row("locked start: 'didn't place' goes to Security", "account_locked", "start",
        "locked out and I didn't place that order", FRAUD),
    Row("locked start: fraud words in any case", "account_locked", "start", "PHISHING mail, then locked", FRAUD),
    Row("locked resume: yes, answered; the flow is over", "account_locked", "resume", "yes", {"answered": True},
        ("Great — you're back in. Anything else?",), step="unlock_helped"),
    Row("locked resume: 'It did!' is a yes", "account_locked", "resume", "It did!", {"answered": True},
        ("you're back in",), step="unlock_helped"),
    Row("locked resume: no, Security unlocks it", "account_locked", "resume", "no",
        {"handoff": ("Security", "topic_rule")}, ("Let me get our Security team to unlock it for you.",),
        step="unlock_helped"),
    Row("locked resume: fraud in the answer goes to Security", "account_locked", "resume",
        "no, I think it was stolen", FRAUD, step="unlock_helped"),
    Row("locked resume: 'not me' is a sign of fraud", "account_locked", "resume", "that login was not me", FRAUD,
        step="unlock_helped"),
    Row("locked resume: thanks is not its answer (the bot's thanks handling is)", "account_locked", "resume",
        "thanks", {"consumed": False}, intent="thanks_goodbye", step="unlock_helped"),
    Row("locked resume: a thanks that reads unhappy, Security unlocks it", "account_locked", "resume",
        "that didn't help at all", {"handoff": ("Security", "topic_rule")}, ("Security team",),
        intent="thanks_goodbye", tone=-0.92, step="unlock_helped"),
    Row("locked resume: a glad thanks is the bot's thanks, not its answer", "account_locked", "resume",
        "great, thank you!", {"consumed": False}, intent="thanks_goodbye", tone=0.95, step="unlock_helped"),
    Row("locked resume: another question is not an answer", "account_locked", "resume",
        "what are your shipping times?", {"consumed": False}, intent="shipping_info", step="unlock_helped"),
]  # fmt: skip


def turn_for(row: Row, world: World) -> Turn:
    collected, memory = dict(row.collected), dict(row.memory)
    ctx = world.context(
        row.text,
        row.intent or OWN_INTENT[row.flow],
        collected=collected,
        memory=memory,
        step=row.step,
        tries=row.tries,
    )
    ctx = replace(ctx, tone=row.tone)
    turn = getattr(flow_named(row.flow), row.call)(ctx)
    assert (collected, memory) == (row.collected, row.memory), "a flow changed its Context"
    return turn


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_a_flow_turn(row: Row) -> None:
    world = World(SHELVES[row.shelf])
    turn = turn_for(row, world)
    assert replace(turn, reply=None) == Turn(**row.want)
    if row.says:
        assert turn.reply is not None
        for piece in row.says:
            assert piece in turn.reply
        for piece in row.never_says:
            assert piece not in turn.reply
    else:
        assert turn.reply is None
    assert world.sent == list(row.sent)
    assert_documented(turn.collected)
    assert set(turn.memory) <= NOTES


def test_the_rows_cover_every_flows_start_and_resume() -> None:
    assert {(row.flow, row.call) for row in ROWS} == {(name, call) for name in BY_NAME for call in ("start", "resume")}
    assert len({row.name for row in ROWS}) == len(ROWS)


# --- across every row: collected holds documented facts only, and all of them occur ---------


def test_collected_only_ever_holds_documented_facts_and_every_one_occurs() -> None:
    assert DOCUMENTED == set(COLLECTED_FIELDS)
    seen: set[str] = set()
    notes: set[str] = set()
    for row in ROWS:
        turn = turn_for(row, World(SHELVES[row.shelf]))
        seen |= set(turn.collected)
        notes |= set(turn.memory)
    assert seen == DOCUMENTED
    assert notes == NOTES
    assert not notes & DOCUMENTED
