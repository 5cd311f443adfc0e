"""The assistant's words, per intent, until the flows of a later milestone take over.

Short, courteous, and each says what happens next.
"""

from __future__ import annotations

TALK_TO_PERSON = {"label": "Talk to a person", "value": "agent"}

REPLIES: dict[str, str] = {
    "greeting": "Hello! What can I help you with today?",
    "thanks_goodbye": "You're welcome — glad I could help. Is there anything else?",
    "order_status": "I can check your order. What's the order number? It looks like A-1001.",
    "password_reset": "I can help you reset your password. What's the email address on your account?",
    "shipping_info": "We ship with tracked carriers; standard delivery takes 2–4 working days and express 1–2. "
    "Want the details for your country?",
    "return_policy": "You can return most items within 30 days, free of charge, from your account's Orders page. "
    "Would you like the steps?",
    "payment_methods": "We accept cards (Visa, Mastercard, Amex), PayPal, Apple Pay and Google Pay, and gift cards.",
    "update_account": "You can change your details under Account → Profile. Which detail do you want to update?",
    "damaged_item": "I'm sorry it arrived damaged. What's the order number, and what's wrong with the item?",
    "refund_status": "Let me look into your refund. What's the order number?",
    "change_order": "I can help change your order if it hasn't shipped yet. What's the order number?",
    "technical_issue": "Sorry about the trouble. What were you trying to do, and what did you see (an error message?)",
    "account_locked": "Accounts lock after several failed sign-ins and unlock after 30 minutes, or at once with "
    "a password reset. Shall I send you a reset link?",
    "refund_request": "You can get your money back for most items within 30 days: start a return under Orders in "
    "your account, and we refund the original payment method within 5 working days of the parcel reaching us. "
    "Already sent it back? Tell me the order number and I'll check the refund.",
    "invoice_receipt": "Your invoice is emailed when the order ships, and you can download it any time under "
    "Orders → your order → “Download invoice”. Need a company name or VAT number on it? Tell me the order number.",
    "account_signup": "Choose “Sign in”, then “Create an account”, and confirm the email we send you (check the spam "
    "folder; the link is valid for 24 hours). You can also check out as a guest. What went wrong when you tried?",
    "contact_hours": "You can write to us here at any time. Our team answers the chat, email and phone on weekdays "
    "and Saturdays; the opening hours, phone number and email address are under Help → Contact us.",
    "review_feedback": "Thank you for wanting to share it! You can review anything you bought under Orders, or with "
    "“Write a review” on the product page, and change your reviews under Account → My reviews. Feedback on "
    "anything else? Write it here and I'll pass it on.",
}

CLARIFY = (
    "Sorry, I'm not sure I understood. Could you say it another way — for example the order number "
    "or what you'd like to do? A person can also take over."
)

# A "thanks" that reads as the answer having failed ("that didn't help at all").
NOT_HELPED = "Sorry that didn't help. Could you tell me a bit more about what you need, or shall I get a person?"


def reply_for(intent: str) -> str:
    return REPLIES.get(intent, CLARIFY)


def greeting(first_name: str) -> str:
    hello = f"Hi {first_name}!" if first_name else "Hi!"
    return (
        f"{hello} I'm the automated assistant. I can help with orders, passwords, returns, shipping "
        "and payments. Tell me what you need — or ask for a person at any time."
    )


# The fallback ladder's second step offers the likeliest intents as buttons; each button sends
# a phrase the model reads as that intent.
PROMPTS: dict[str, tuple[str, str]] = {
    "order_status": ("Where is my order?", "Where is my order?"),
    "password_reset": ("Reset my password", "I forgot my password"),
    "shipping_info": ("Shipping and delivery", "How long does shipping take?"),
    "return_policy": ("Returns", "How do returns work?"),
    "payment_methods": ("Ways to pay", "Which payment methods do you accept?"),
    "update_account": ("Change my details", "How do I change my account details?"),
    "damaged_item": ("Item arrived damaged", "My item arrived damaged"),
    "refund_status": ("Where is my refund?", "Where is my refund?"),
    "change_order": ("Change an order", "I want to change my order"),
    "technical_issue": ("The site isn't working", "The website is not working"),
    "account_locked": ("Account locked", "My account is locked"),
    "refund_request": ("Ask for a refund", "I want a refund"),
    "invoice_receipt": ("Invoice or receipt", "I need an invoice"),
    "account_signup": ("Create an account", "I want to create an account"),
    "contact_hours": ("Contact and opening hours", "How can I contact you?"),
    "review_feedback": ("Leave a review", "How do I write a review"),
    "billing_dispute": ("A wrong charge", "I was charged incorrectly"),
    "cancel_subscription": ("Cancel my membership", "I want to cancel my membership"),
    "security_fraud": ("Suspicious activity", "I think my account was hacked"),
    "complaint": ("Make a complaint", "I want to make a complaint"),
    "legal_privacy": ("Privacy and data", "I have a question about my personal data"),
}

NARROW_DOWN = "I'm still not sure I follow. Is it one of these? You can also talk to a person."


def likeliest_options(top: list) -> list[dict[str, str]]:
    """Up to three buttons for the likeliest in-scope intents, then "talk to a person"."""
    options = []
    for name, _ in top:
        if name in PROMPTS and len(options) < 3:
            label, value = PROMPTS[name]
            options.append({"label": label, "value": value})
    return [*options, TALK_TO_PERSON]
