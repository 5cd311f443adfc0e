"""Demo orders and knowledge-base articles for `seed_demo` (chat-protocol.md §4)."""

from __future__ import annotations

from django.utils import timezone

from ..models import Article, ArticleStatus, CannedReply, Order, OrderStatus, Queue

ORDERS = [
    ("A-1001", OrderStatus.SHIPPED, "DHL", "JD014600003SE", "https://www.dhl.com/track?id=JD014600003SE"),
    ("A-1002", OrderStatus.PROCESSING, "", "", ""),
    (
        "A-1003",
        OrderStatus.DELIVERED,
        "UPS",
        "1Z999AA10123456784",
        "https://www.ups.com/track?tracknum=1Z999AA10123456784",
    ),
]

ARTICLES = [
    (
        "Shipping options and delivery times",
        ["shipping_info"],
        "General",
        "Standard delivery takes 2–4 working days and is free from €50; express takes 1–2 working days for €9.90. "
        "We ship to the EU, the UK, Switzerland and Norway with tracked carriers (DHL, UPS).\n\n"
        "Orders placed before 2 pm on a working day leave our warehouse the same day.",
        [],
    ),
    (
        "Returns and exchanges",
        ["return_policy"],
        "Returns",
        "You can return most items within 30 days of delivery, free of charge: open Orders in your account, pick "
        "the order and choose “Return items” to get a prepaid label. Refunds go back to the original payment "
        "method within 5 working days of the parcel reaching us.\n\nSale items and personalised goods can't be "
        "returned unless they arrived faulty.",
        [],
    ),
    (
        "Ways to pay",
        ["payment_methods"],
        "Billing",
        "We accept Visa, Mastercard and American Express, PayPal, Apple Pay, Google Pay, Klarna (pay in 30 days or "
        "in 3 instalments) and our gift cards. Prices are charged in euros.\n\nWe never ask for card details by "
        "chat or email.",
        [],
    ),
    (
        "Changing your account details",
        ["update_account"],
        "General",
        "Sign in and open Account → Profile to change your name, email address, phone number or saved "
        "addresses; changes apply to future orders at once. To change the address of an order already placed, "
        "ask us in the chat before it ships.",
        [],
    ),
    (
        "The website or app doesn't work",
        ["technical_issue"],
        "Tech",
        "Most problems go away with a few quick steps.",
        [
            "Reload the page, or close and reopen the app.",
            "Clear the browser cache or update the app to the latest version.",
            "Try another browser or device, and switch off ad blockers for our site.",
        ],
    ),
]


def seed_orders_and_articles() -> tuple[int, int]:
    for number, status, carrier, tracking, url in ORDERS:
        Order.objects.update_or_create(
            number=number,
            defaults={
                "status": status,
                "carrier": carrier,
                "tracking_number": tracking,
                "tracking_url": url,
                "customer_email": "dana@example.com",
            },
        )
    now = timezone.now()
    for title, intents, team, body, steps in ARTICLES:
        Article.objects.get_or_create(
            title=title,
            defaults={
                "intents": intents,
                "owner_team": Queue.objects.filter(name=team).first(),
                "body": body,
                "steps": steps,
                "status": ArticleStatus.PUBLISHED,
                "review_interval_days": 90,
                "last_reviewed_at": now,
            },
        )
    return len(ORDERS), len(ARTICLES)


CANNED = [
    ("Checking now", "Thanks for your patience — I'm checking this for you now, it'll take a minute.", []),
    ("Anything else?", "Is there anything else I can help you with today?", []),
    (
        "Replacement on its way",
        "I've arranged a free replacement; you'll get a shipping confirmation by email today.",
        ["damaged_item"],
    ),
    (
        "Refund timing",
        "Refunds reach your account within 5 working days of the parcel arriving at our warehouse.",
        ["refund_status", "return_policy"],
    ),
]


def seed_canned_replies() -> int:
    for title, body, intents in CANNED:
        CannedReply.objects.get_or_create(title=title, defaults={"body": body, "intents": intents})
    return len(CANNED)
