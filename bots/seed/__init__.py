"""The intents the product ships with, and their examples (written for this project)."""

from __future__ import annotations

import json
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent

# name: (tier, default queue, description)
INTENTS: dict[str, tuple[int, str | None, str]] = {
    "greeting": (1, None, "A hello with no request yet"),
    "thanks_goodbye": (1, None, "Thanks, goodbye, that's all"),
    "order_status": (1, None, "Where a placed order is, tracking, delivery date"),
    "password_reset": (1, None, "Forgotten password, reset link"),
    "shipping_info": (1, None, "Delivery options, costs, times, countries"),
    "return_policy": (1, None, "How returns and exchanges work"),
    "payment_methods": (1, None, "Which ways to pay are accepted; gift cards, vouchers, discount codes"),
    "update_account": (1, None, "Change profile details: email, name, phone, address, newsletter"),
    # A routine refund question is answered (how refunds work, where to start a return); a
    # wrong charge is billing_dispute, a damaged item damaged_item. Billing takes it if the
    # customer asks for a person.
    "refund_request": (1, "Billing", "Asks for money back for an order or an item"),
    "invoice_receipt": (1, "Billing", "An invoice, a receipt or a VAT invoice; proof of purchase"),
    "account_signup": (1, "Tech", "Creating an account; registration and confirmation-email trouble"),
    "contact_hours": (1, None, "Contact details: phone, email, address, opening hours"),
    "review_feedback": (1, None, "Writing or changing a review; feedback and suggestions, not a complaint"),
    "damaged_item": (2, "Returns", "An item arrived damaged, defective or wrong; a warranty claim"),
    "refund_status": (2, "Billing", "Where a refund is"),
    "change_order": (2, "General", "Change or cancel a placed order"),
    "technical_issue": (2, "Tech", "The site or app does not work"),
    "account_locked": (2, "Security", "Locked, suspended or blocked account; 2FA problems"),
    "billing_dispute": (3, "Billing", "Charged twice, wrong amount, dispute a charge"),
    "cancel_subscription": (3, "Retention", "Cancel a paid membership or subscription (not the newsletter)"),
    "security_fraud": (3, "Security", "Hacked account, orders not placed by me, phishing"),
    "complaint": (3, "General", "Wants to complain about the service or the staff"),
    "legal_privacy": (3, "General", "Data protection requests, legal matters"),
    "talk_to_human": (3, "General", "Asks for a person"),
    "out_of_scope": (0, None, "Anything the desk does not handle: chatter, opinions, other requests"),
}


def seed_examples() -> dict[str, list[str]]:
    """All seed examples by intent, from the JSON files beside this module."""
    examples: dict[str, list[str]] = {}
    for path in sorted(SEED_DIR.glob("intents_*.json")):
        for intent in json.loads(path.read_text(encoding="utf-8"))["intents"]:
            examples.setdefault(intent["name"], []).extend(intent["examples"])
    return examples
