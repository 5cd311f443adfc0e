"""The suggested opening reads as a person would write it, with a name or without one: no
database, the conversation and its customer are unsaved rows."""

from __future__ import annotations

import pytest

from helpdesk.models import Conversation, Customer
from helpdesk.selectors.assist import OPENINGS, suggested_opening


def _opening(*, name: str | None, intent: str = "", order: str | None = None) -> str:
    conversation = Conversation(
        customer=Customer(name=name or ""), intent=intent, collected={"order_number": order} if order else {}
    )
    return suggested_opening(conversation)


@pytest.mark.parametrize(
    ("name", "intent", "order", "expected"),
    [
        ("Dana Smith", "damaged_item", "A-1002", "Hi Dana, I'm sorry your order A-1002 arrived damaged"),
        (None, "damaged_item", None, "Hi there, I'm sorry your order arrived damaged"),
        ("", "complaint", None, "Hi there, I'm sorry about your experience"),
        ("  ", "account_locked", None, "Hi there, I can help you get back into your account."),
        ("Dana", "cancel_subscription", None, "Hi Dana, I understand you'd like to cancel"),
        ("Dana", "technical_issue", None, "Hi Dana, sorry the site is giving you trouble"),
        (None, "order_status", "A-7", "Hi there, I can see you're asking about your order A-7 —"),
        (None, "", None, "Hi there, thanks for waiting — I've read the conversation so far"),
        ("Dana", "no_such_intent", None, "Hi Dana, thanks for waiting"),
    ],
)
def test_the_opening_greets_and_keeps_its_capital_i(name, intent, order, expected) -> None:
    assert _opening(name=name, intent=intent, order=order).startswith(expected)


@pytest.mark.parametrize("intent", sorted(OPENINGS))
@pytest.mark.parametrize("name", ["Dana", None])
def test_no_opening_writes_a_lower_case_pronoun_or_a_bare_hi(intent: str, name: str | None) -> None:
    opening = _opening(name=name, intent=intent, order="A-1")
    assert " i " not in opening and " i'" not in opening and " i’" not in opening
    assert not opening.startswith("Hi,")
    assert opening.startswith("Hi Dana, " if name else "Hi there, ")
