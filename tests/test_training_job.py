"""An intent's examples in their own paginated, searchable list, so its page stays light (issue 18)."""

from __future__ import annotations

import pytest

from bots.models import Intent, IntentExample
from tests.support.people import make_agent

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = {
    "order_status": ["where is my order", "has my parcel shipped", "track my package", "when will it arrive",
                     "my order is late", "order status please"],
    "refund_request": ["I want my money back", "refund please", "how do I get a refund", "give me a refund",
                       "can I be refunded", "refund my purchase"],
    "out_of_scope": ["what is the weather", "tell me a joke", "who won the match", "write me a poem",
                     "what is the capital of peru", "sing a song"],
}  # fmt: skip


@pytest.fixture
def small_intents() -> dict[str, Intent]:
    made = {}
    for name, texts in SMALL.items():
        made[name] = Intent.objects.create(name=name, description=name.replace("_", " "))
        IntentExample.objects.bulk_create(IntentExample(intent=made[name], text=text) for text in texts)
    return made


@pytest.fixture
def boss(client):
    """Sofia, a supervisor who runs the admin (a superuser, as in the demo)."""
    profile = make_agent("sofia", [], supervisor=True, display_name="Sofia")
    profile.user.is_superuser = True
    profile.user.save(update_fields=["is_superuser"])
    client.force_login(profile.user)
    return profile.user


# --- the intent's examples ---------------------------------------------------------------------


@pytest.fixture
def crowded(small_intents) -> Intent:
    """An intent with 200 examples, one of them about a parcel in Lisbon."""
    intent = small_intents["order_status"]
    IntentExample.objects.bulk_create(
        IntentExample(intent=intent, text=f"example number {n}: where did my order go " + "x" * 120) for n in range(194)
    )
    IntentExample.objects.filter(intent=intent, text="track my package").update(text="my parcel is stuck in Lisbon")
    return intent


def test_the_intent_page_links_its_examples_and_stays_light(client, boss, crowded) -> None:
    answer = client.get(f"/admin/bots/intent/{crowded.pk}/change/")
    page = answer.content.decode()
    assert answer.status_code == 200 and crowded.examples.count() == 200
    # Inline, 200 examples of this size made a page of over 300 KB; a link is all it needs.
    assert len(answer.content) < 60_000, len(answer.content)
    assert "where did my order go" not in page
    assert f'href="/admin/bots/intentexample/?intent__id__exact={crowded.pk}">200 examples</a>' in page
    assert f'href="/admin/bots/intentexample/add/?intent={crowded.pk}"' in page
    listing = client.get("/admin/bots/intent/").content.decode()
    assert f'href="/admin/bots/intentexample/?intent__id__exact={crowded.pk}">200</a>' in listing


def test_an_intents_examples_are_paginated_and_searchable(client, boss, crowded) -> None:
    url = f"/admin/bots/intentexample/?intent__id__exact={crowded.pk}"
    first = client.get(url)
    assert first.status_code == 200
    assert first.context["cl"].result_count == 200 and len(first.context["cl"].result_list) == 50
    last = client.get(url + "&p=4")
    assert len(last.context["cl"].result_list) == 50
    assert client.get(url + "&p=5")["location"].endswith("?e=1")  # past the last page: the admin says so

    found = client.get(url + "&q=lisbon")
    assert [e.text for e in found.context["cl"].result_list] == ["my parcel is stuck in Lisbon"]
    # Filtered to the intent: another intent's examples stay out, even when they match.
    assert client.get(url + "&q=refund").context["cl"].result_count == 0

    add = client.get(f"/admin/bots/intentexample/add/?intent={crowded.pk}")
    assert add.context["adminform"].form.initial["intent"] == str(crowded.pk)
    answer = client.post(
        "/admin/bots/intentexample/add/", {"intent": crowded.pk, "text": "parcel lost in Porto", "source": "seed"}
    )
    assert answer.status_code == 302 and crowded.examples.count() == 201
    example = IntentExample.objects.get(text="parcel lost in Porto")
    answer = client.post(
        f"/admin/bots/intentexample/{example.pk}/change/",
        {"intent": crowded.pk, "text": "parcel lost near Porto", "source": "seed"},
    )
    assert answer.status_code == 302 and IntentExample.objects.filter(text="parcel lost near Porto").exists()
