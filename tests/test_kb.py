"""Knowledge-base governance: reminders, stale articles, versions, gaps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from helpdesk.models import Article, ArticleVersion, KnowledgeGap
from helpdesk.services.conversations import conversation_start
from helpdesk.services.kb import articles_remind_owners, gap_key
from helpdesk.services.messages import customer_message_post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owner(queues):
    user = get_user_model().objects.create_user("rita", email="rita@example.com", password="pw-rita-123")
    Article.objects.filter(title="Returns and exchanges").update(owner=user)
    return user


def test_owners_are_reminded_once_before_an_article_falls_due(owner) -> None:
    Article.objects.filter(title="Returns and exchanges").update(
        last_reviewed_at=timezone.now() - timedelta(days=85), review_interval_days=90
    )
    assert articles_remind_owners() == 1
    assert articles_remind_owners() == 0
    assert mail.outbox[0].to == ["rita@example.com"] and "Returns and exchanges" in mail.outbox[0].subject
    assert "How it has done: the assistant answered from it 0 times (last never)" in mail.outbox[0].body


def test_a_stale_article_is_not_served_and_its_owner_is_told(owner) -> None:
    Article.objects.filter(title="Returns and exchanges").update(last_reviewed_at=timezone.now() - timedelta(days=400))
    conversation, _ = conversation_start(name="Sam")
    customer_message_post(conversation_id=conversation.pk, body="how do returns work?")
    conversation.refresh_from_db()
    assert conversation.status == "queued" and conversation.queue.name == "Returns"
    assert any("Stale article" in m.subject for m in mail.outbox)


def test_questions_the_bot_cannot_place_are_grouped_as_gaps(queues) -> None:
    question = "what is the weather like in Paris tomorrow?"
    for name in ("a", "b"):
        conversation, _ = conversation_start(name=name)
        customer_message_post(conversation_id=conversation.pk, body=question)
    gap = KnowledgeGap.objects.get()
    assert gap.count == 2 and gap.reason == "out_of_scope" and gap.example == question
    assert gap_key("Do you sell GIFT wrapping", "x") == gap_key("gift wrapping - do you sell?", "x")


def test_an_answer_that_did_not_help_is_a_gap_too(queues) -> None:
    conversation, _ = conversation_start(name="c")
    customer_message_post(conversation_id=conversation.pk, body="which payment methods do you accept?")
    customer_message_post(conversation_id=conversation.pk, body="no")
    gap = KnowledgeGap.objects.get(reason="not_helped")
    assert gap.example == "which payment methods do you accept?"
    assert Article.objects.get(title="Ways to pay").times_not_helped == 1


def test_admin_keeps_versions_and_lists_overdue_articles(client, queues) -> None:
    boss = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-boss-123")
    client.force_login(boss)
    article = Article.objects.get(title="Ways to pay")
    answer = client.post(
        f"/admin/helpdesk/article/{article.pk}/change/",
        {
            "title": "Ways to pay",
            "body": "Cards and PayPal.",
            "intents": ["payment_methods"],
            "steps": "",
            "status": "published",
            "review_interval_days": 90,
            "times_served": 0,
            "times_helped": 0,
            "times_not_helped": 0,
            "versions-TOTAL_FORMS": 0,
            "versions-INITIAL_FORMS": 0,
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:1500]
    assert ArticleVersion.objects.filter(article=article).first().body == "Cards and PayPal."  # the newest
    Article.objects.filter(pk=article.pk).update(last_reviewed_at=timezone.now() - timedelta(days=100))
    page = client.get("/admin/helpdesk/article/?review=overdue").content.decode()
    assert "Ways to pay" in page and "Shipping options" not in page


def test_the_demo_help_centre_seeds_again_without_duplicates_and_one_article_overdue(queues) -> None:
    from helpdesk.management.demo_content import OVERDUE_ARTICLE, seed_orders_and_articles

    before = (Article.objects.count(), ArticleVersion.objects.count())
    assert seed_orders_and_articles() == (3, before[0])
    assert (Article.objects.count(), ArticleVersion.objects.count()) == before
    published = Article.objects.filter(status="published")
    assert published.count() >= 45 and [a.title for a in published if a.is_overdue()] == [OVERDUE_ARTICLE]
    assert Article.objects.get(title="The website or app doesn't work").steps[0].startswith("Reload")
