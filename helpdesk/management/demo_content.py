"""Demo orders and knowledge-base articles for `seed_demo` (chat-protocol.md §4)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from ..models import Article, ArticleStatus, CannedReply, Order, OrderStatus
from ..services.kb import kb_index_bump
from ..services.kb_files import ArticleFileError, articles_import

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

# The demo shop's help centre: one Markdown file per article, in the import format of
# knowledge-base.md §1, loaded through the same import service as `import_articles`.
DEMO_KB = Path(__file__).resolve().parent / "demo_kb"
# One published article is left past its review date, so the demo shows what happens then:
# the bot stops serving it and the admin lists it as overdue.
OVERDUE_ARTICLE = "Caring for sofas and fabric upholstery"


def seed_orders_and_articles() -> tuple[int, int]:
    """The demo orders and the help centre's articles, safe to run again: orders are updated in
    place and articles imported by title, so a second run finds them unchanged (an article
    edited since is put back to its file's text, with a new version in its history). They are
    imported as reviewed, so none is overdue but the one this leaves overdue on purpose.
    Returns (orders, articles in the folder)."""
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
    report = articles_import(DEMO_KB, reviewed=True)
    if report.failed:
        broken = "; ".join(f"{name}: {detail}" for outcome, name, detail in report.lines if outcome == "failed")
        raise ArticleFileError(f"demo articles in {DEMO_KB} could not be imported: {broken}")
    overdue = Article.objects.filter(title=OVERDUE_ARTICLE, status=ArticleStatus.PUBLISHED).first()
    if overdue is not None:
        # A queryset update: no new version in its history, and the import's "reviewed now" undone.
        since = timezone.now() - timedelta(days=overdue.review_interval_days + 60)
        Article.objects.filter(pk=overdue.pk).update(last_reviewed_at=since)
        kb_index_bump()  # every process's index reads the review date again
    return len(ORDERS), len(report.lines)


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
