"""Personal data: redaction of training text and analytics exports, a customer's export and
erasure as a supervisor does them in the admin (docs/privacy.md)."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from analytics.scorecard import scorecard
from bots.models import ExampleSource, Intent, IntentExample
from bots.services.training import database_examples, read_csv
from helpdesk.errors import PermissionDenied, ServiceError
from helpdesk.models import (
    Attachment,
    AuditEntry,
    Conversation,
    Customer,
    KnowledgeGap,
    Message,
    Order,
    Sender,
    Ticket,
)
from helpdesk.selectors.conversations import conversation_get_for_customer
from helpdesk.services.assist import conversation_rate_bot
from helpdesk.services.attachments import attachment_add
from helpdesk.services.claims import conversation_accept
from helpdesk.services.closing import conversation_resolve
from helpdesk.services.conversations import conversation_close_by_customer, conversation_start, csat_submit
from helpdesk.services.data_requests import customer_erase, customer_export
from helpdesk.services.kb import gap_record
from helpdesk.services.messages import agent_reply_post, customer_message_post, note_post
from helpdesk.services.tickets import ticket_close, ticket_open, ticket_reply
from tests.support.people import make_agent

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EMAIL = "dana@example.com"
CARD = "4111 1111 1111 1111"
PHONE = "+44 20 7946 0958"
# What must be gone from the whole database after her erasure (compared case-insensitively).
# Long enough not to turn up by chance in a timestamp's microseconds or a hex id.
HER_DETAILS = ["dana", "ortiz", "4111 1111", "7946 0958", "crm-7781", "receipt-from-d"]


def say(conversation, body: str) -> Message:
    message, _ = customer_message_post(conversation_id=conversation.pk, body=body)
    return message


def period() -> tuple[date, date]:
    today = timezone.localdate()
    return today - timedelta(days=1), today + timedelta(days=1)


@pytest.fixture
def boss(client, queues):
    """Sofia, a supervisor, who (as in the demo) also runs the admin as a superuser."""
    profile = make_agent("sofia", list(queues.values()), supervisor=True, display_name="Sofia")
    profile.user.is_superuser = True
    profile.user.save(update_fields=["is_superuser"])
    client.force_login(profile.user)
    return profile


@pytest.fixture
def staff_agent(queues):
    """Grace, an agent with admin access to customers but no supervisor role."""
    profile = make_agent("grace", [queues["General"]], display_name="Grace")
    profile.user.is_staff = True
    profile.user.save(update_fields=["is_staff"])
    profile.user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="helpdesk", codename__in=["view_customer", "change_customer"])
    )
    return profile


@pytest.fixture
def dana(boss, settings, tmp_path):
    """Dana Ortiz's history: a resolved chat with her card and phone in it, a note about her,
    a photo, a ticket, a rating with a comment, a correction the bot learned from, a knowledge
    gap, and an abandoned second chat."""
    settings.MEDIA_ROOT = tmp_path
    conversation, token = conversation_start(
        name="Dana Ortiz",
        email=EMAIL,
        external_id="crm-7781",
        page_url=f"https://shop.example/help?email={EMAIL}#chat",
        metadata={"account": EMAIL},
    )
    customer = conversation.customer
    Customer.objects.filter(pk=customer.pk).update(notes=f"Prefers a call on {PHONE}")
    say(conversation, f"Hi, I'm Dana Ortiz ({EMAIL}), can I talk to a real person please")
    conversation.refresh_from_db()
    assert conversation.status == "queued", conversation.status
    charged = say(conversation, f"My card {CARD} was charged twice for A-1002, call me on {PHONE}")
    conversation_accept(conversation_id=conversation.pk, agent_user_id=boss.user_id)
    agent_reply_post(
        conversation_id=conversation.pk,
        body=f"Hi Dana, I'll call you on {PHONE} today.",
        author=boss.user,
        author_name="Sofia",
    )
    note_post(
        conversation_id=conversation.pk,
        body=f"Dana Ortiz: card {CARD}, refund owed",
        author=boss.user,
        author_name="Sofia",
    )
    attachment = attachment_add(
        conversation=conversation,
        upload=SimpleUploadedFile("receipt-from-dana.png", PNG, content_type="image/png"),
    )
    ticket = ticket_open(
        subject="Refund for Dana Ortiz",
        customer=customer,
        description=f"Call Dana on {PHONE}",
        conversation=conversation,
        created_by=boss.user,
    )
    ticket_reply(ticket_id=ticket.pk, profile=boss, body="Dana, your refund is on its way.")
    ticket_close(ticket_id=ticket.pk, profile=boss, note="refund owed, agreed by phone")
    Conversation.objects.filter(pk=conversation.pk).update(
        collected={"email": EMAIL, "order_number": "A-1002", "order_status": "shipped"},
        summary=f"Billing dispute; email {EMAIL}",
    )
    conversation.refresh_from_db()
    wrong = "change_order" if conversation.intent != "change_order" else "complaint"
    conversation_rate_bot(conversation_id=conversation.pk, agent=boss, helpful=False, correct_intent=wrong)
    conversation_resolve(conversation_id=conversation.pk, actor=boss)
    csat_submit(conversation_id=conversation.pk, score=4, comment=f"Thanks! Dana, {PHONE}")
    gap_record(text=charged.body, guessed_intent="billing_dispute", reason="not_helped")
    LogEntry.objects.create(
        user=boss.user,
        content_type=ContentType.objects.get_for_model(Customer),
        object_id=str(customer.pk),
        object_repr=str(customer),
        action_flag=CHANGE,
        change_message="[]",
    )
    second, _ = conversation_start(email=EMAIL)
    say(second, "hello? Dana again")
    conversation_close_by_customer(conversation_id=second.pk)
    return {"customer": customer, "conversation": conversation, "token": token, "attachment": attachment}


# --- redaction ---------------------------------------------------------------------------


@pytest.mark.parametrize("on", [True, False])
def test_training_text_is_redacted_only_when_the_option_is_on(settings, queues, tmp_path, on: bool) -> None:
    settings.HELPDESK_REDACT_PII = on
    raw = f"refund to card {CARD} please, I'm {EMAIL} or {PHONE}, order A-10023 of 2026-11-21"
    redacted = "refund to card [card] please, I'm [email] or [phone], order A-10023 of 2026-11-21"
    IntentExample.objects.create(intent=Intent.objects.get(name="billing_dispute"), text=raw)
    texts, labels = database_examples()
    assert (redacted if on else raw) in texts
    assert (raw in texts) is not on
    assert len(texts) == len(labels)
    path = tmp_path / "train.csv"
    path.write_text(f'text,label\n"{raw}",billing_dispute\n', encoding="utf-8")
    assert read_csv(path, "text", "label") == ([redacted if on else raw], ["billing_dispute"])


@pytest.mark.parametrize("on", [True, False])
def test_an_agent_correction_becomes_a_redacted_example(settings, queues, boss, on: bool) -> None:
    settings.HELPDESK_REDACT_PII = on
    conversation, _ = conversation_start(name="Ann")
    first = f"I'm {EMAIL}, call {PHONE}: can I talk to a real person please"
    say(conversation, first)
    conversation.refresh_from_db()
    assert conversation.first_handoff_at is not None
    wrong = "change_order" if conversation.intent != "change_order" else "complaint"
    conversation_rate_bot(conversation_id=conversation.pk, agent=boss, helpful=False, correct_intent=wrong)
    example = IntentExample.objects.get(source=ExampleSource.CORRECTION)
    assert example.intent.name == wrong
    assert example.text == ("I'm [email], call [phone]: can I talk to a real person please" if on else first)


@pytest.mark.parametrize("on", [True, False])
def test_the_analytics_csv_is_redacted(client, settings, queues, boss, on: bool) -> None:
    settings.HELPDESK_REDACT_PII = on
    # Usernames are often email addresses: a CSV that leaves the desk must not carry them.
    mailer = make_agent("grace.hopper@example.com", [queues["General"]], display_name="Grace")
    conversation, _ = conversation_start(name="Ann")
    say(conversation, "can I talk to a real person please")
    conversation_accept(conversation_id=conversation.pk, agent_user_id=mailer.user_id)
    start, end = period()
    answer = client.get(f"/api/v1/analytics/conversations.csv?start={start}&end={end}")
    assert answer.status_code == 200
    (row,) = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert row["agent"] == ("[email]" if on else "grace.hopper@example.com")
    # Typed cells are written as they are: the id and the time survive redaction.
    assert row["id"] == str(conversation.pk)
    assert row["created_at"] == conversation.created_at.isoformat()
    card = client.get(f"/api/v1/analytics/scorecard.csv?start={start}&end={end}")
    assert b"volume,1" in b"".join(card.streaming_content)


# --- export ------------------------------------------------------------------------------


def test_the_export_holds_her_messages_and_no_internal_notes(client, dana, boss) -> None:
    customer = dana["customer"]
    answer = client.post(
        "/admin/helpdesk/customer/", {"action": "export_personal_data", "_selected_action": [customer.pk]}
    )
    assert answer.status_code == 200, answer.content[:300]
    assert answer["Content-Type"] == "application/json"
    assert f"customer-{customer.pk}-personal-data.json" in answer["Content-Disposition"]
    data = json.loads(answer.content)
    assert data["customer"] | {"created_at": None} == {
        "id": customer.pk,
        "name": "Dana Ortiz",
        "email": EMAIL,
        "external_id": "crm-7781",
        "tier": "standard",
        "notes": f"Prefers a call on {PHONE}",
        "created_at": None,
    }
    assert len(data["conversations"]) == 2
    chat = next(c for c in data["conversations"] if c["id"] == str(dana["conversation"].pk))
    bodies = [m["body"] for m in chat["messages"]]
    assert f"My card {CARD} was charged twice for A-1002, call me on {PHONE}" in bodies
    assert f"Hi Dana, I'll call you on {PHONE} today." in bodies
    assert not any("refund owed" in body for body in bodies)
    assert "refund owed" not in answer.content.decode()
    assert [m["seq"] for m in chat["messages"]] == list(range(1, len(bodies) + 1))
    assert chat["attachments"] == [
        {
            "id": str(dana["attachment"].pk),
            "name": "receipt-from-dana.png",
            "content_type": "image/png",
            "size": len(PNG),
            "created_at": dana["attachment"].created_at.isoformat(),
        }
    ]
    assert chat["csat"]["score"] == 4 and chat["csat"]["comment"] == f"Thanks! Dana, {PHONE}"
    assert chat["collected"]["order_number"] == "A-1002"
    assert [t["subject"] for t in data["tickets"]] == ["Refund for Dana Ortiz"]
    # The email the ticket sent her is hers; the closing note is the staff's.
    assert [(e["from"], e["body"]) for e in data["tickets"][0]["emails"]] == [
        ("Sofia", "Dana, your refund is on its way.")
    ]
    assert {o["number"] for o in data["orders"]} == set(
        Order.objects.filter(customer_email=EMAIL).values_list("number", flat=True)
    )
    entry = AuditEntry.objects.get(action="export")
    assert (entry.actor, entry.object_type, entry.object_id, entry.object_repr, entry.ip) == (
        boss.user,
        "helpdesk.customer",
        str(customer.pk),
        f"Customer #{customer.pk}",
        "127.0.0.1",
    )


def test_export_is_for_one_customer_at_a_time(client, dana, boss) -> None:
    other = Customer.objects.create(email="someone@example.com")
    answer = client.post(
        "/admin/helpdesk/customer/",
        {"action": "export_personal_data", "_selected_action": [dana["customer"].pk, other.pk]},
        follow=True,
    )
    assert "Pick exactly one customer" in answer.content.decode()
    assert not AuditEntry.objects.filter(action="export").exists()


# --- erasure -----------------------------------------------------------------------------


def database_text() -> str:
    """Every row of every table as JSON, lower-cased: where personal data could hide. The
    model's binary head and the session store are left out (random bytes and signatures)."""
    skip = {"bots.modelversion", "sessions.session"}
    chunks = []
    for model in apps.get_models():
        if model._meta.label_lower not in skip:
            chunks.append(serializers.serialize("json", model._default_manager.all()))
    return "\n".join(chunks).lower()


def test_erasure_removes_her_personal_data_everywhere_and_keeps_the_figures(client, dana, boss) -> None:
    customer, conversation = dana["customer"], dana["conversation"]
    file_path = dana["attachment"].file.path
    start, end = period()
    figures_before = scorecard(start, end)
    csv_before = b"".join(client.get(f"/api/v1/analytics/conversations.csv?start={start}&end={end}").streaming_content)
    counts_before = {m: m.objects.count() for m in (Conversation, Message, Ticket, KnowledgeGap)}
    before = database_text()
    assert all(detail in before for detail in HER_DETAILS)
    assert IntentExample.objects.filter(source=ExampleSource.CORRECTION, text__contains="Dana Ortiz").exists()
    assert KnowledgeGap.objects.filter(example__contains=CARD).exists()
    assert os.path.exists(file_path)

    # First the confirmation page, which changes nothing.
    url = "/admin/helpdesk/customer/"
    page = client.post(url, {"action": "erase_personal_data", "_selected_action": [customer.pk]})
    assert page.status_code == 200 and "Erase personal data?" in page.content.decode()
    assert Customer.objects.get(pk=customer.pk).email == EMAIL
    answer = client.post(
        url, {"action": "erase_personal_data", "_selected_action": [customer.pk], "confirmed": "yes"}, follow=True
    )
    assert answer.status_code == 200
    assert f"Customer #{customer.pk} erased" in answer.content.decode()

    after = database_text()
    left = {detail: after.count(detail) for detail in HER_DETAILS if detail in after}
    assert left == {}, left
    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.external_id, customer.notes) == ("Erased customer", None, None, "")
    theirs = Message.objects.filter(conversation__customer=customer, sender=Sender.CUSTOMER)
    assert set(theirs.values_list("body", flat=True)) == {"[erased]"}
    assert Message.objects.get(conversation=conversation, sender=Sender.AGENT, internal=False).body == (
        "Hi [name], I'll call you on [phone] today."
    )
    note = Message.objects.get(conversation=conversation, internal=True)
    assert note.body == "[name] [name]: card [card], refund owed"
    conversation.refresh_from_db()
    assert conversation.collected == {
        "email": "[erased]",
        "order_number": "[erased]",
        "order_status": "shipped",
    }
    assert (conversation.summary, conversation.metadata, conversation.page_url) == ("", {}, "https://shop.example/help")
    assert conversation_get_for_customer(str(conversation.pk), dana["token"]) is None
    assert not Attachment.objects.exists()
    assert not os.path.exists(file_path)
    ticket = Ticket.objects.get(customer=customer)
    assert (ticket.subject, ticket.description) == ("Refund for [name] [name]", "[erased]")
    assert conversation.csat.score == 4 and conversation.csat.comment == ""
    assert not IntentExample.objects.filter(source=ExampleSource.CORRECTION).exists()
    assert not Order.objects.filter(customer_email=EMAIL).exists()

    # The figures do not move: every row that counts is still there.
    assert scorecard(start, end) == figures_before
    csv_after = b"".join(client.get(f"/api/v1/analytics/conversations.csv?start={start}&end={end}").streaming_content)
    assert csv_after == csv_before
    assert {m: m.objects.count() for m in (Conversation, Message, Ticket, KnowledgeGap)} == counts_before

    entry = AuditEntry.objects.get(action="erase")
    assert (entry.actor, entry.object_type, entry.object_id, entry.object_repr) == (
        boss.user,
        "helpdesk.customer",
        str(customer.pk),
        f"Customer #{customer.pk}",
    )
    assert entry.changes == {
        "name": ["[personal data]", "Erased customer"],
        "email": ["[personal data]", None],
        "external_id": ["[personal data]", None],
        "notes": ["[personal data]", ""],
    }
    assert "attachments deleted: 1" in entry.note and "conversations: 2" in entry.note


def test_erasure_waits_for_open_conversations(dana, boss) -> None:
    customer = dana["customer"]
    conversation_start(email=EMAIL)
    with pytest.raises(ServiceError) as refused:
        customer_erase(customer=customer, actor=boss.user)
    assert refused.value.code == "conversation_open"
    customer.refresh_from_db()
    assert customer.name == "Dana Ortiz"
    assert Attachment.objects.count() == 1
    assert not AuditEntry.objects.filter(action="erase").exists()


def test_a_non_supervisor_can_neither_export_nor_erase(client, dana, staff_agent) -> None:
    customer = dana["customer"]
    with pytest.raises(PermissionDenied):
        customer_erase(customer=customer, actor=staff_agent.user)
    with pytest.raises(PermissionDenied):
        customer_export(customer=customer, actor=staff_agent.user)
    client.force_login(staff_agent.user)
    listing = client.get("/admin/helpdesk/customer/")
    assert listing.status_code == 200
    assert "erase_personal_data" not in listing.content.decode()
    assert "export_personal_data" not in listing.content.decode()
    for action in ("erase_personal_data", "export_personal_data"):
        answer = client.post(
            "/admin/helpdesk/customer/",
            {"action": action, "_selected_action": [customer.pk], "confirmed": "yes"},
        )
        assert answer.status_code in (200, 302) and answer.get("Content-Type", "").startswith("text/html")
    customer.refresh_from_db()
    assert (customer.name, customer.email) == ("Dana Ortiz", EMAIL)
    assert Message.objects.filter(body="[erased]").count() == 0
    assert not AuditEntry.objects.filter(action__in=["erase", "export"]).exists()
    assert client.get("/admin/helpdesk/auditentry/").status_code == 403
