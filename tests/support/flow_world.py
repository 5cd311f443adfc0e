"""The bot's flows' fake outside world, for the pure flow tests (tests/unit/test_flow_*.py):
orders and articles are tiny dataclasses with the attributes the flows read, `lookup_order`
reads a dict, `find_article` a shelf of articles by intent, `send_reset_email` records whom it
wrote to. Also what the tests hold every Turn to: only documented facts in `collected`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

from bots.flows.base import TALK_TO_PERSON, Context, LookupUnavailable
from helpdesk.models import COLLECTED_FIELDS

# The facts a flow may hand the agent; anything else belongs in memory (the bot's own notes).
DOCUMENTED = frozenset(
    {
        "order_number",
        "order_status",
        "tracking_number",
        "email",
        "damage",
        "photo",
        "problem",
        "steps_tried",
        "fraud_signs",
    }
)
# The flows' own notes: which article was served, how many order numbers were not found.
NOTES = frozenset({"article", "unknown_orders"})

ASK = [TALK_TO_PERSON]
DONE = [{"label": "That's all, thanks", "value": "thanks"}]
OFFER_PERSON = [TALK_TO_PERSON, {"label": "No thanks", "value": "no thanks"}]
GIVE_UP = ("General", "bot_failure")


# --- the fake outside world -----------------------------------------------------------------


@dataclass(frozen=True)
class FakeOrder:
    number: str
    status: str
    carrier: str = ""
    tracking_number: str = ""
    tracking_url: str = ""


@dataclass(frozen=True)
class FakeArticle:
    pk: int
    body: str = ""
    steps: tuple[str, ...] = ()
    title: str = "An article"
    url: str = ""
    overdue: bool = False
    owner_team: SimpleNamespace | None = None

    @property
    def owner_team_id(self) -> int | None:
        return self.owner_team.id if self.owner_team is not None else None

    def is_overdue(self) -> bool:
        return self.overdue


ORDERS: dict[str, FakeOrder] = {
    order.number: order
    for order in (
        FakeOrder("A-1001", "shipped", "DHL", "JD0146", "https://www.dhl.com/track?id=JD0146"),
        FakeOrder("A-1002", "processing"),
        FakeOrder("A-1003", "returned"),
        FakeOrder("A-1004", "delivered", "UPS", "1Z999AA1", "https://ups.example/1Z999AA1"),
        FakeOrder("A-1005", "cancelled"),
        FakeOrder("A-1006", "on hold"),
        FakeOrder("A-1007", "shipped", tracking_url="https://post.example/t/7"),
        FakeOrder("A-1008", "shipped", "GLS"),
    )
}

RETURNS_TEAM = SimpleNamespace(id=4, name="Returns")
PAY = FakeArticle(
    7,
    title="Ways to pay",
    url="https://help.example/pay",
    body="**Ways to pay:** we take [PayPal](https://www.paypal.com) and cards.\n\n"
    "Cards are charged when the order ships.",
)
SHIPPING = FakeArticle(8, body="## Shipping\nOrders ship within 2 working days.\n\nExpress costs extra.")
FIX = FakeArticle(9, steps=("Reload the page.", "Clear your browser's cookies.", "Try another browser."))
SHELVES: dict[str, dict[str, FakeArticle]] = {
    "desk": {
        "payment_methods": PAY,
        "shipping_info": SHIPPING,
        "technical_issue": FIX,
        "return_policy": FakeArticle(11, body="Returns within 30 days.", overdue=True, owner_team=RETURNS_TEAM),
        "update_account": FakeArticle(12, body="Change your details in your profile.", overdue=True),
    },
    "empty": {},
    "stale fix": {"technical_issue": replace(FIX, pk=13, overdue=True)},
    "no steps": {"technical_issue": FakeArticle(14, body="Our site works best in a current browser.")},
    "one step": {"technical_issue": FakeArticle(15, steps=("Reload the page.",))},
}


# The order the fake shop cannot answer for: its API is down.
DOWN = "Z-9999"


@dataclass
class World:
    """What a flow may ask of the desk, faked; `sent` records the reset emails."""

    shelf: dict[str, FakeArticle]
    sent: list[str] = field(default_factory=list)

    def lookup_order(self, number: str) -> FakeOrder | None:
        if number == DOWN:
            raise LookupUnavailable()
        return ORDERS.get(number)

    def find_article(self, intent: str) -> FakeArticle | None:
        return self.shelf.get(intent)

    def send_reset_email(self, email: str) -> None:
        self.sent.append(email)

    def context(
        self,
        text: str,
        intent: str,
        *,
        collected: dict[str, Any],
        memory: dict[str, Any],
        step: str | None,
        tries: int,
    ) -> Context:
        return Context(
            text=text,
            intent=intent,
            collected=collected,
            customer_email="dana@shop.example",  # known to the chat, and never used for a reset
            memory=memory,
            step=step,
            tries=tries,
            lookup_order=self.lookup_order,
            find_article=self.find_article,
            send_reset_email=self.send_reset_email,
        )


def assert_documented(collected: dict[str, Any]) -> None:
    """What collected_merge would accept: documented keys, with their types (a bool is no int)."""
    assert set(collected) <= DOCUMENTED, set(collected) - DOCUMENTED
    for key, value in collected.items():
        kind = COLLECTED_FIELDS[key][0]
        assert isinstance(value, kind) and not (kind is int and isinstance(value, bool)), (key, value)


# A technical problem in the customer's words, used by rows and conversations alike.
PROBLEM = "the site shows an error when I log in"
# What the bot gathers on order A-1001.
A1001 = {"order_number": "A-1001", "order_status": "shipped", "tracking_number": "JD0146"}
