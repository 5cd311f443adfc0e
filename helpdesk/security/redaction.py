"""Redaction of personal details in free text: email addresses, payment card numbers, phone
numbers. Pure Python, no Django: what the intent model trains on and what leaves the desk in an
export goes through `redact` (settings.HELPDESK_REDACT_PII decides where it is applied).

The patterns lean towards keeping text. A false positive eats an order number the next reader
needed; a false negative leaks a detail. So cards need the Luhn checksum, a bare run of digits
counts as a phone number only from 10 digits, and ids (A-10023, #10023), dates (2026-11-21),
times, decimals, UUIDs and digit runs longer than a phone number are left alone.
"""

from __future__ import annotations

import re

EMAIL_MARK = "[email]"
CARD_MARK = "[card]"
PHONE_MARK = "[phone]"

EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b"
)

# A number may not start right after a word character, an id's dash (A-10023), a hash
# (#10023), a "+" that belongs to something else, or inside a time, date, decimal or path
# (10:30, 21/11, 3.14)...
_NOT_AFTER = r"(?<![\w#+-])(?<!\d[.:/])"
# ...nor stop where the run goes on: more word characters, or a separator and another digit.
_NOT_BEFORE = r"(?!\w|[.,:/ -]\d)"

# 13 to 19 digits, single spaces or dashes between them allowed (4444 3333 2222 1111).
CARD = re.compile(_NOT_AFTER + r"\d(?:[ -]?\d){12,18}" + _NOT_BEFORE)

# Digit groups separated by single spaces or dashes, with an optional +country code and an
# optional (area code); the digit count and shape are checked in `_phone`.
PHONE = re.compile(_NOT_AFTER + r"(?:\+\d{1,4}[ -]?)?(?:\(\d{1,5}\)[ -]?)?\d+(?:[ -]\d+)*" + _NOT_BEFORE)
DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")
_WORTH_A_LOOK = re.compile(r"[@\d]")


def luhn_ok(digits: str) -> bool:
    """The payment card checksum: one mistyped digit or swapped pair fails it."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return CARD_MARK if luhn_ok(digits) else match.group(0)


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    # E.164 allows at most 15 digits; fewer than 7 is an extension, a quantity or an order.
    if not 7 <= len(digits) <= 15 or DATE.fullmatch(text):
        return text
    marked = text.startswith("+") or "(" in text
    # One bare group of 7 to 9 digits reads as an order or reference number, not a phone.
    if not marked and text.isdigit() and len(digits) < 10:
        return text
    return PHONE_MARK


def redact(text: str) -> str:
    """`text` with email addresses, card numbers (Luhn-valid) and phone numbers replaced by
    [email], [card] and [phone]."""
    if not text or not _WORTH_A_LOOK.search(text):
        return text
    text = EMAIL.sub(EMAIL_MARK, text)
    text = CARD.sub(_card, text)
    return PHONE.sub(_phone, text)
