"""The bot's flow registry (intent -> flow, name <-> flow) and the flows' small text helpers:
reading an order number, an article's Markdown as chat text. Pure, as tables."""

from __future__ import annotations

import pytest

from bots.flows import BY_NAME, FLOWS, flow_for, flow_named, name_of
from bots.flows.information import as_chat_text
from bots.flows.order_status import find_number


@pytest.mark.parametrize(
    ("intent", "name"),
    [
        ("order_status", "order_status"),
        ("password_reset", "password_reset"),
        ("shipping_info", "information"),
        ("return_policy", "information"),
        ("payment_methods", "information"),
        ("update_account", "information"),
        ("damaged_item", "damaged_item"),
        ("refund_status", "refund_status"),
        ("change_order", "change_order"),
        ("technical_issue", "technical_issue"),
        ("account_locked", "account_locked"),
    ],
)
def test_an_intent_runs_the_flow_its_state_names(intent: str, name: str) -> None:
    flow = flow_for(intent)
    assert flow is not None and callable(flow.start) and callable(flow.resume)
    assert name_of(flow) == name and flow_named(name) is flow


def test_intents_without_a_flow_and_unknown_names() -> None:
    assert len(FLOWS) == 11 and set(BY_NAME) == {name_of(flow) for flow in FLOWS.values()}
    assert flow_for("thanks_goodbye") is None and flow_for("billing_dispute") is None
    assert flow_named("no_such_flow") is None
    with pytest.raises(KeyError):
        name_of(object())


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("A-1001", "A-1001"),
        ("it's a 1002", "A-1002"),
        ("A1003 please", "A-1003"),
        ("abc-12345678", "ABC-12345678"),
        ("order #1001", "1001"),
        ("# 12345", "12345"),
        ("12", None),
        ("ABCD-1001", None),
        ("A-12", None),
        ("no number here", None),
        # Words before a number are no prefix.
        ("order no 1234", "1234"),
        ("my order is 55512", "55512"),
        ("it's 1234", None),
        ("AB 1234", "AB-1234"),
    ],
)
def test_an_order_number_in_a_message(text: str, number: str | None) -> None:
    assert find_number(text) == number


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("[PayPal](https://www.paypal.com)", "PayPal (https://www.paypal.com)"),
        ("**Bold**, *it*, __strong__ and `code`", "Bold, it, strong and code"),
        ("## Heading\nbody", "Heading\nbody"),
        ("<b>Safe</b> <script>text</script>", "Safe text"),
        ("[click](javascript:alert(1))", "[click](javascript:alert(1))"),
        ("   padded   ", "padded"),
        ("[Help](https://a.com/my_page)", "Help (https://a.com/my_page)"),
        ("see https://a.com/x_*y* and order_number", "see https://a.com/x_*y* and order_number"),
    ],
)
def test_an_articles_markdown_as_chat_text(markdown: str, text: str) -> None:
    assert as_chat_text(markdown) == text

