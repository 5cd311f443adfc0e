"""Redaction of personal details (helpdesk.security.redaction): pure, no database."""

from __future__ import annotations

import pytest

from helpdesk.security.redaction import luhn_ok, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Email addresses.
        ("mail me at dana@example.com please", "mail me at [email] please"),
        ("Dana.O-Ortiz+shop@mail.example.co.uk.", "[email]."),
        ("<dana@example.com>, tom_2@x.io", "<[email]>, [email]"),
        ("mailto:DANA@EXAMPLE.COM", "mailto:[email]"),
        # Payment card numbers: 13 to 19 digits, spaces or dashes allowed, Luhn-valid only.
        ("card 4111 1111 1111 1111 was charged", "card [card] was charged"),
        ("card 4111-1111-1111-1111", "card [card]"),
        ("4111111111111111", "[card]"),
        ("amex 378282246310005!", "amex [card]!"),
        ("my visa is 4012888888881881.", "my visa is [card]."),
        # Phone numbers.
        ("call me on +44 20 7946 0958", "call me on [phone]"),
        ("call (555) 123-4567 after six", "call [phone] after six"),
        ("ring 555-123-4567", "ring [phone]"),
        ("my number is 020 7946 0958", "my number is [phone]"),
        ("+4930123456789", "[phone]"),
        ("whatsapp: 5551234567", "whatsapp: [phone]"),
        ("tel 555 1234", "tel [phone]"),
        ("tel:5551234567", "tel:[phone]"),
        ("call +44 20 7946 0958: thanks", "call [phone]: thanks"),
        ("(call 555-123-4567).", "(call [phone])."),
        ("phone/whatsapp 555 123 4567, or 4111111111111111.", "phone/whatsapp [phone], or [card]."),
        # Everything at once.
        (
            "I'm dana@example.com, 555-123-4567, card 4111 1111 1111 1111, order A-10023",
            "I'm [email], [phone], card [card], order A-10023",
        ),
    ],
)
def test_personal_details_are_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "where is my order A-10023?",
        "order 10023 never arrived",
        "order #10023 and #12345678",
        "order AB-12345678",
        "reference 1002345",  # a bare run of 7 to 9 digits reads as a reference number
        "it was delivered on 2026-11-21 at 10:30",
        "delivered 21/11/2026 or 21.11.2026 or 11-21-2026",
        "2026-11-21T10:00:00.123456+00:00",
        "it cost 1,299.99 and weighed 3.1415926535 kg",
        "id 550e8400-e29b-41d4-a716-446655440000",
        "tracking 1Z999AA10123456784",
        "tracking 9400 1000 0000 0000 0000 00",  # longer than any card or phone number
        "1234 5678 9012 3456",  # 16 digits that fail the card checksum
        "version 10.2.3.4567 on 192.168.1.100",
        "2 items, 3 boxes, 45 minutes",
        "",
        "no digits or at-signs here",
        "a lone @ sign, and me@home",
    ],
)
def test_ordinary_text_survives(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("digits", "valid"),
    [("4111111111111111", True), ("4111111111111112", False), ("79927398713", True), ("79927398710", False)],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_ok(digits) is valid


def test_redacting_twice_changes_nothing_more() -> None:
    once = redact("dana@example.com 4111 1111 1111 1111 +44 20 7946 0958")
    assert redact(once) == once == "[email] [card] [phone]"


@pytest.mark.parametrize(
    ("before", "after", "diff"),
    [
        ({"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"b": ["x", "y"]}),
        (None, {"a": 1}, {"a": [None, 1]}),
        ({"a": 1}, None, {"a": [1, None]}),
        ({"a": [1, 2]}, {"a": [1, 2]}, {}),
        # A form round trip cuts a timestamp to whole seconds: not a change.
        ({"t": "2026-11-21T10:00:00.123Z"}, {"t": "2026-11-21T10:00:00Z"}, {}),
        # A new timestamp in the same second is one.
        (
            {"t": "2026-11-21T10:00:00Z"},
            {"t": "2026-11-21T10:00:00.500Z"},
            {"t": ["2026-11-21T10:00:00Z", "2026-11-21T10:00:00.500Z"]},
        ),
    ],
)
def test_audit_diff(before, after, diff) -> None:
    from helpdesk.services.audit import audit_diff

    assert audit_diff(before, after) == diff
