"""Editing an article in the admin: intents ticked from the bot's list, steps one a line, owners
picked by name, and the article's review and performance on its page. The stored JSON is what
the bot and the import/export read, so it must stay a list of strings."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from helpdesk.models import Article, ArticleVersion
from tests.support.people import make_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(client, queues):
    user = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-boss-123")
    client.force_login(user)
    return user


def _post(client, article: Article, **fields) -> object:
    """The change form as a browser sends it: every field, the ticked intents repeated."""
    data = {
        "title": article.title,
        "body": article.body,
        "url": article.url,
        "status": article.status,
        "owner_team": article.owner_team_id or "",
        "owner": article.owner_id or "",
        "review_interval_days": article.review_interval_days,
        "intents": list(article.intents),
        "steps": "\n".join(article.steps),
        "versions-TOTAL_FORMS": 0,
        "versions-INITIAL_FORMS": 0,
        **fields,
    }
    return client.post(f"/admin/helpdesk/article/{article.pk}/change/", data)


def test_two_intents_and_three_steps_are_stored_as_json_lists(client, boss) -> None:
    article = Article.objects.get(title="Ways to pay")
    answer = _post(
        client,
        article,
        intents=["payment_methods", "billing_dispute"],
        steps="Open your account\n\n  Choose Payment  \nAdd a card\n",
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    article.refresh_from_db()
    assert article.intents == ["payment_methods", "billing_dispute"]
    assert article.steps == ["Open your account", "Choose Payment", "Add a card"]
    assert ArticleVersion.objects.filter(article=article).count() >= 1

    # Read back, the page ticks the same intents and shows the steps one a line.
    page = client.get(f"/admin/helpdesk/article/{article.pk}/change/").content.decode()
    for name in ("payment_methods", "billing_dispute"):
        assert f'value="{name}" id=' in page and _ticked(page, name)
    assert not _ticked(page, "order_status")
    assert ">\nOpen your account\nChoose Payment\nAdd a card</textarea>" in page


def _ticked(page: str, name: str) -> bool:
    start = page.index(f'value="{name}"')
    tag = page[page.rindex("<input", 0, start) : page.index(">", start)]
    return "checked" in tag


def test_an_intent_the_bot_does_not_know_is_refused_in_words(client, boss) -> None:
    article = Article.objects.get(title="Ways to pay")
    before = list(article.intents)
    answer = _post(client, article, intents=["payment_methods", "free_pony"])
    assert answer.status_code == 200
    assert "“free_pony” is not an intent the bot knows" in answer.content.decode()
    article.refresh_from_db()
    assert article.intents == before


def test_a_stale_intent_is_shown_ticked_and_must_go_before_saving(client, boss) -> None:
    article = Article.objects.get(title="Ways to pay")
    Article.objects.filter(pk=article.pk).update(intents=["payment_methods", "retired_intent"])
    article.refresh_from_db()
    page = client.get(f"/admin/helpdesk/article/{article.pk}/change/").content.decode()
    assert "retired_intent (not an intent the bot knows)" in page and _ticked(page, "retired_intent")
    assert _post(client, article).status_code == 200  # still ticked: refused
    assert _post(client, article, intents=["payment_methods"]).status_code == 302
    article.refresh_from_db()
    assert article.intents == ["payment_methods"]


def test_owners_are_the_desks_people_by_name(client, boss, queues) -> None:
    grace = make_agent("grace", [queues["General"]], display_name="Grace Hopper")
    get_user_model().objects.create_user("stranger", password="pw-stranger-1")  # not an agent, not staff
    article = Article.objects.get(title="Ways to pay")
    page = client.get(f"/admin/helpdesk/article/{article.pk}/change/").content.decode()
    assert f'<option value="{grace.user_id}">Grace Hopper (grace)</option>' in page
    assert "stranger" not in page
    assert _post(client, article, owner=grace.user_id, owner_team=queues["Billing"].pk).status_code == 302
    article.refresh_from_db()
    assert (article.owner_id, article.owner_team_id) == (grace.user_id, queues["Billing"].pk)


def test_the_page_shows_review_due_and_performance_and_counters_are_not_typed(client, boss) -> None:
    article = Article.objects.get(title="Ways to pay")
    page = client.get(f"/admin/helpdesk/article/{article.pk}/change/").content.decode()
    assert "Review due" in page and "Content performance" in page and "Helped rate" in page
    for counter in ("times_served", "times_helped", "times_not_helped"):
        assert f'name="{counter}"' not in page
    answer = _post(client, article, times_served=999)
    assert answer.status_code == 302
    article.refresh_from_db()
    assert article.times_served != 999


def test_a_new_article_is_added_with_the_same_form(client, boss) -> None:
    answer = client.post(
        "/admin/helpdesk/article/add/",
        {
            "title": "Gift wrapping",
            "body": "We wrap any order for free.",
            "status": "draft",
            "review_interval_days": 90,
            "intents": ["order_status"],
            "steps": "Tick 'gift' at checkout",
            "versions-TOTAL_FORMS": 0,
            "versions-INITIAL_FORMS": 0,
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    article = Article.objects.get(title="Gift wrapping")
    assert (article.intents, article.steps) == (["order_status"], ["Tick 'gift' at checkout"])


def test_an_agent_who_is_not_staff_changes_nothing(client, queues) -> None:
    grace = make_agent("grace", [queues["General"]])
    client.force_login(grace.user)
    article = Article.objects.get(title="Ways to pay")
    before = (article.intents, article.steps)
    answer = _post(client, article, intents=["order_status"], steps="one\ntwo")
    assert answer.status_code == 302 and "/login/" in answer["Location"]
    article.refresh_from_db()
    assert (article.intents, article.steps) == before
