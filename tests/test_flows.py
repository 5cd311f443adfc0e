"""Bot flows, multi-turn, through the real customer socket.

The flows' own logic (every path of every flow, as tables) is in
tests/unit/test_flow_turns.py and test_flow_conversations.py, with no socket, database or
encoder. These tests check what only the real path shows: the model's reading, the socket
frames, handoff packets and queues, the flow's state kept between turns, article counters and
knowledge gaps, photos, the fallback ladder, resolution and CSAT.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.core import mail
from django.utils import timezone

from helpdesk.models import Article, Conversation
from helpdesk.services.conversations import conversation_start
from tests.support.sockets import agent_socket, bot_said, chat, drain, frames_until, of_type, say

pytestmark = pytest.mark.django_db(transaction=True)


async def state(conversation) -> Conversation:
    return await database_sync_to_async(Conversation.objects.get)(pk=conversation.pk)


async def test_order_status_asks_for_the_number_then_answers_with_tracking(queues) -> None:
    conversation, ws = await chat()
    ask = await say(ws, "where is my order?")
    assert "order number" in ask["body"].lower()
    answer = await say(ws, "it's A-1001")
    assert "shipped" in answer["body"] and "DHL" in answer["body"] and "https://www.dhl.com" in answer["body"]
    row = await state(conversation)
    assert row.collected["order_number"] == "A-1001" and row.status == "bot" and "A-1001" in row.summary
    bye = await say(ws, "thanks")
    assert "welcome" in bye["body"].lower()
    assert (await frames_until(ws, of_type("csat_request")))[-1]["scale"] == 5
    assert (await state(conversation)).status == "resolved"
    await ws.disconnect()


async def test_a_thanks_that_reads_unhappy_does_not_close_the_chat(queues) -> None:
    # "thanks but that's not what I need" is read as thanks_goodbye: by its words alone the bot
    # said "glad I could help. Goodbye!" and counted the chat as contained.
    conversation, ws = await chat()
    await say(ws, "where is my order?")
    await say(ws, "it's A-1001")
    reply = await say(ws, "thanks but that's not what I need")
    assert "Sorry that didn't help" in reply["body"]
    assert reply["options"] == [{"label": "Talk to a person", "value": "agent"}]
    row = await state(conversation)
    assert row.status == "bot" and row.bot_failures == 1
    await ws.disconnect()


async def test_no_number_to_give_is_not_asked_for_again(queues) -> None:
    conversation, ws = await chat()
    await say(ws, "where is my order?")
    reply = await say(ws, "I don't have the order number")
    assert reply["body"].startswith("No problem.") and "look your order up by your email" in reply["body"]
    assert reply["options"] == [{"label": "Talk to a person", "value": "agent"}]
    # The number found after all still answers.
    assert "DHL" in (await say(ws, "found it: A-1001"))["body"]
    await ws.disconnect()


async def test_a_bad_number_is_asked_again_once_and_unknown_twice_offers_a_person(queues) -> None:
    # The replies are the pure rows' too; here `tries` and the flow's memory (unknown_orders)
    # must survive between turns in FlowState, and the desk's own order table must miss.
    conversation, ws = await chat()
    await say(ws, "order status please")
    again = await say(ws, "12")
    assert "doesn't look like an order number" in again["body"]
    unknown = await say(ws, "A-9999")
    assert "couldn't find" in unknown["body"]
    offer = await say(ws, "A-9998")
    assert "person" in offer["body"] and {"label": "Talk to a person", "value": "agent"} in offer["options"]
    await ws.disconnect()


async def test_password_reset_sends_the_email_and_reveals_nothing(queues) -> None:
    conversation, ws = await chat()
    ask = await say(ws, "I forgot my password")
    assert "email" in ask["body"].lower()
    sent = await say(ws, "nobody@example.com")
    assert "If there's an account for nobody@example.com" in sent["body"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nobody@example.com"]
    assert "reset" in mail.outbox[0].body.lower()
    await ws.disconnect()


async def test_an_answer_from_the_knowledge_base_that_helped_is_a_contained_resolution(queues) -> None:
    conversation, ws = await chat()
    answer = await say(ws, "which payment methods do you accept?")
    assert "PayPal" in answer["body"] and "Did that answer your question?" in answer["body"]
    assert {"label": "Yes, thanks", "value": "yes"} in answer["options"]
    await ws.send_json_to({"type": "message", "body": "yes"})
    await frames_until(ws, of_type("csat_request"))
    row = await state(conversation)
    assert row.status == "resolved" and row.first_handoff_at is None
    article = await database_sync_to_async(Article.objects.get)(title="Ways to pay")
    assert (article.times_served, article.times_helped) == (1, 1)
    await ws.disconnect()


async def test_an_overdue_article_is_not_served_and_its_owners_get_the_question(queues) -> None:
    await database_sync_to_async(Article.objects.filter(title="Returns and exchanges").update)(
        last_reviewed_at=timezone.now() - timedelta(days=200)
    )
    conversation, ws = await chat()
    await ws.send_json_to({"type": "message", "body": "what is your return policy?"})
    handoff = (await frames_until(ws, of_type("handoff")))[-1]
    assert handoff["queue"] == "Returns"
    assert (await state(conversation)).handoff_trigger == "stale_article"
    await ws.disconnect()


async def test_no_bot_reply_lands_after_a_human_took_the_conversation(queues, agent) -> None:
    conversation, ws = await chat()
    inbox = await agent_socket(agent)
    await ws.send_json_to({"type": "request_human"})
    await frames_until(ws, of_type("assigned"))
    await ws.send_json_to({"type": "message", "body": "where is my order A-1001?"})
    frames = await drain(ws, timeout=1.0)
    assert not [f for f in frames if bot_said(f)]
    await ws.disconnect()
    await inbox.disconnect()


async def test_the_agent_gets_an_opening_line_assist_and_can_correct_the_bot(queues, supervisor) -> None:
    from bots.models import IntentExample

    conversation, ws = await chat("Dana Ortiz")
    await say(ws, "order status please")
    await say(ws, "A-1002")
    await ws.send_json_to({"type": "request_human"})
    handoff_note = await frames_until(ws, lambda f: f["type"] == "message" and f["message"]["sender"] == "system")
    assert "I've noted your order A-1002" in handoff_note[-1]["message"]["body"]
    inbox = await agent_socket(supervisor)
    await inbox.send_json_to({"type": "watch", "conversation_id": str(conversation.pk)})
    packet = (await frames_until(inbox, lambda f: f["type"] == "ok" and f["action"] == "watch"))[-1]["conversation"]
    assert packet["suggested_opening"].startswith("Hi Dana, ") and "A-1002" in packet["suggested_opening"]
    assert packet["summary"] and "A-1002" in packet["summary"]
    assert packet["collected"]["order_number"] == "A-1002"
    await inbox.send_json_to(
        {"type": "rate_bot", "conversation_id": str(conversation.pk), "rating": "down", "intent": "change_order"}
    )
    assert (await frames_until(inbox, lambda f: f["type"] in {"ok", "error"}))[-1]["type"] == "ok"
    example = await database_sync_to_async(IntentExample.objects.filter(source="correction").first)()
    assert example is not None and example.text == "order status please"
    await ws.disconnect()
    await inbox.disconnect()


async def test_damaged_item_collects_order_and_damage_then_returns_takes_over(queues) -> None:
    conversation, ws = await chat()
    ask = await say(ws, "the vase I ordered arrived damaged")
    assert "order number" in ask["body"].lower()
    what = await say(ws, "A-1003")
    assert "what's wrong" in what["body"].lower()
    await ws.send_json_to({"type": "message", "body": "it's cracked down the side"})
    handoff = (await frames_until(ws, of_type("handoff")))[-1]
    assert handoff["queue"] == "Returns"
    row = await state(conversation)
    assert row.collected["order_number"] == "A-1003" and "cracked" in row.collected["damage"]
    assert "A-1003" in row.summary and "damage" in row.summary
    await ws.disconnect()


async def test_technical_issue_walks_the_steps_then_tech_takes_over(queues) -> None:
    conversation, ws = await chat()
    first = await say(ws, "the website keeps showing an error when I try to log in")
    assert "Did that help?" in first["body"] and "Reload" in first["body"]
    # Each step is the tech article's own words, so it names the article (knowledge-base.md §2).
    assert len(first["sources"]) == 1 and first["sources"][0]["title"]
    second = await say(ws, "no")
    assert second["body"].startswith("Next:") and second["sources"] == first["sources"]
    third = await say(ws, "no")
    assert third["body"].startswith("Next:")
    await ws.send_json_to({"type": "message", "body": "no"})
    handoff = (await frames_until(ws, of_type("handoff")))[-1]
    assert handoff["queue"] == "Tech"
    row = await state(conversation)
    assert row.collected["steps_tried"] == 3
    await ws.disconnect()


async def test_a_locked_account_with_signs_of_fraud_goes_to_security_urgently(queues) -> None:
    conversation, ws = await chat()
    await ws.send_json_to(
        {"type": "message", "body": "my account is locked and I think someone hacked it, I didn't change the password"}
    )
    handoff = (await frames_until(ws, of_type("handoff")))[-1]
    assert handoff["queue"] == "Security"
    row = await state(conversation)
    assert row.get_priority_display() == "urgent"
    await ws.disconnect()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_photo_is_type_and_size_checked_and_reaches_the_conversation(
    client, queues, supervisor, settings, tmp_path
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from helpdesk.models import Attachment, Message

    settings.MEDIA_ROOT = tmp_path
    conversation, token = conversation_start(name="Pia")
    url = f"/api/v1/conversations/{conversation.pk}/attachments/?token={token}"
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    refused = client.post(url, {"file": fake})
    assert refused.status_code == 400 and refused.json()["code"] == "unsupported_type"
    settings.HELPDESK_MAX_UPLOAD_BYTES = 32
    big = client.post(url, {"file": SimpleUploadedFile("big.png", PNG, content_type="image/png")})
    assert big.status_code == 400 and big.json()["code"] == "too_large"
    settings.HELPDESK_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    assert (
        client.post(
            f"/api/v1/conversations/{conversation.pk}/attachments/?token=forged",
            {"file": SimpleUploadedFile("a.png", PNG)},
        ).status_code
        == 404
    )
    assert Attachment.objects.count() == 0

    answer = client.post(url, {"file": SimpleUploadedFile("crack.png", PNG, content_type="application/x-whatever")})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["content_type"] == "image/png" and body["name"] == "crack.png"
    message = Message.objects.get(conversation=conversation, sender="customer")
    assert message.data["attachment"]["id"] == body["id"]
    stored = Attachment.objects.get()
    assert stored.file.name.endswith(".png") and "crack" not in stored.file.name
    # The customer and an agent who may see the conversation get the file; nobody else does.
    assert client.get(f"{body['url']}?token={token}")["X-Content-Type-Options"] == "nosniff"
    assert client.get(body["url"]).status_code == 404
    client.force_login(supervisor.user)
    got = client.get(body["url"])
    assert got.status_code == 200 and got["Content-Type"] == "image/png"


async def test_the_fallback_ladder_through_the_socket(queues) -> None:
    conversation, ws = await chat()
    first = await say(ws, "purple monkey trombone")
    assert "another way" in first["body"]
    second = await say(ws, "zxq vlorp gnarf")
    assert second["options"][-1] == {"label": "Talk to a person", "value": "agent"} and len(second["options"]) >= 2
    await ws.send_json_to({"type": "message", "body": "blarg fizzle wump"})
    handoff = (await frames_until(ws, of_type("handoff")))[-1]
    assert handoff["queue"] == "General"
    assert (await state(conversation)).handoff_trigger in {"bot_failure", "low_confidence"}
    await ws.disconnect()


@pytest.mark.parametrize(
    ("opening", "queue", "words"),
    [
        ("where is my refund for order A-1003?", "Billing", None),
        ("I want to change the size on my order A-1002", "General", "hasn't shipped yet"),
    ],
)
async def test_order_questions_look_the_order_up_and_hand_over_with_it(queues, opening, queue, words) -> None:
    conversation, ws = await chat()
    await ws.send_json_to({"type": "message", "body": opening})
    frames = await frames_until(ws, of_type("handoff"))
    assert frames[-1]["queue"] == queue
    if words:
        assert any(f["type"] == "message" and words in f["message"]["body"] for f in frames)
    row = await state(conversation)
    assert row.collected["order_number"] in {"A-1003", "A-1002"} and row.collected["order_status"]
    await ws.disconnect()


async def test_a_locked_account_gets_the_unlock_path_and_yes_closes_the_loop(queues) -> None:
    conversation, ws = await chat()
    explain = await say(ws, "my account is locked after too many attempts")
    assert "30 minutes" in explain["body"] and "Did that sort it out?" in explain["body"]
    fine = await say(ws, "yes")
    assert "back in" in fine["body"]
    bye = await say(ws, "thanks, bye")
    assert "welcome" in bye["body"].lower()
    await frames_until(ws, of_type("csat_request"))
    await ws.disconnect()


async def test_after_a_hand_back_the_bot_can_confirm_and_close(queues, agent) -> None:
    conversation, ws = await chat()
    inbox = await agent_socket(agent)
    await ws.send_json_to({"type": "request_human"})
    await frames_until(ws, of_type("assigned"))
    await inbox.send_json_to({"type": "handback", "conversation_id": str(conversation.pk)})
    back = (await frames_until(ws, bot_said))[-1]["message"]
    assert "automated assistant" in back["body"]
    await ws.send_json_to({"type": "message", "body": back["options"][0]["value"]})
    await frames_until(ws, of_type("csat_request"))
    assert (await state(conversation)).status == "resolved"
    await ws.disconnect()
    await inbox.disconnect()


def test_the_http_order_backend_reads_the_shops_api(settings) -> None:
    """The edge of the world: a stand-in shop API on loopback."""
    from helpdesk.orders import HttpOrders, OrdersUnavailable, order_lookup
    from tests.support.shop import Shop

    shop = Shop()
    try:
        settings.HELPDESK_ORDER_BACKEND = "http"
        settings.HELPDESK_ORDER_API_URL = shop.url
        lookup = order_lookup()
        assert isinstance(lookup, HttpOrders)
        found = lookup.find("B-77")
        assert (found.status, found.carrier) == ("shipped", "GLS")
        assert lookup.find("B-78") is None
        with pytest.raises(OrdersUnavailable):  # down is not "no such order"
            HttpOrders("http://127.0.0.1:1/nothing").find("B-77")
    finally:
        shop.close()
