"""Callback tickets in the agents' hands (issue 17): the tickets page's REST side.

Personas: Grace (agent, General), Tom (teammate, General), Olga (outsider, Billing), Sofia
(supervisor); Nia, a customer who asked for a callback while waiting in General."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from helpdesk.errors import ServiceError
from helpdesk.models import Customer, OutboundEmail, Ticket, TicketEvent, TicketStatus
from helpdesk.selectors.tickets import tickets_for_agent
from helpdesk.services.conversations import conversation_start
from helpdesk.services.handoff import conversation_request_handoff
from helpdesk.services.messages import customer_message_post, note_post
from helpdesk.services.tickets import ticket_claim, ticket_open
from tests.support.security import agent_token


def _as(client, profile):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {agent_token(profile)}"
    return client


def _callback_ticket(name: str = "Nia", email: str = "nia@example.com") -> Ticket:
    """The real way in: a waiting customer with nobody online asks for a callback."""
    conversation, _ = conversation_start(name=name)
    conversation_request_handoff(conversation_id=conversation.pk, trigger="topic_rule", actor_type="bot")
    customer_message_post(conversation_id=conversation.pk, body="my sofa arrived broken")
    customer_message_post(conversation_id=conversation.pk, body="Request a callback")
    customer_message_post(conversation_id=conversation.pk, body=email)
    return Ticket.objects.select_related("customer").get(conversation=conversation)


def _ticket(queue, subject: str = "Call back", due_in: timedelta | None = None, email: str | None = None) -> Ticket:
    customer = Customer.objects.create(name=subject, email=email)
    return ticket_open(
        subject=subject,
        customer=customer,
        queue=queue,
        due_at=timezone.now() + due_in if due_in is not None else None,
    )


# --- Lists and scope -----------------------------------------------------------------------


def test_the_list_is_scoped_to_the_agents_queues_and_most_urgent_first(client, queues, agent, outsider, supervisor):
    late = _ticket(queues["General"], "Late one", due_in=timedelta(hours=-1))
    soon = _ticket(queues["General"], "Soon one", due_in=timedelta(hours=1))
    later = _ticket(queues["General"], "Later one", due_in=timedelta(hours=3))
    undated = _ticket(queues["General"], "Whenever")
    billing = _ticket(queues["Billing"], "Billing's")

    rows = _as(client, agent).get("/api/v1/tickets/").json()
    assert [r["id"] for r in rows] == [str(t.pk) for t in (late, soon, later, undated)]
    assert [r["overdue"] for r in rows] == [True, False, False, False]
    assert _as(client, outsider).get("/api/v1/tickets/").json()[0]["id"] == str(billing.pk)
    assert len(_as(client, supervisor).get("/api/v1/tickets/").json()) == 5
    # Another queue's ticket answers like a missing one, and nothing of it shows.
    _as(client, outsider)
    for path in ("", "claim/", "reply/", "close/"):
        method = client.get if not path else client.post
        answer = method(f"/api/v1/tickets/{late.pk}/{path}", {"body": "hi"}, content_type="application/json")
        assert answer.status_code == 404, path
        assert "Late one" not in answer.content.decode()
    assert not TicketEvent.objects.exists() and Ticket.objects.get(pk=late.pk).assignee_id is None


def test_mine_and_closed_lists(client, queues, agent, teammate):
    mine = _ticket(queues["General"], "Mine", email="m@example.com")
    theirs = _ticket(queues["General"], "Theirs")
    done = _ticket(queues["General"], "Done")
    ticket_claim(ticket_id=mine.pk, profile=agent)
    ticket_claim(ticket_id=theirs.pk, profile=teammate)
    _as(client, agent).post(f"/api/v1/tickets/{done.pk}/close/", {}, content_type="application/json")

    def ids(view: str) -> list[str]:
        return [r["id"] for r in client.get(f"/api/v1/tickets/?view={view}").json()]

    assert ids("mine") == [str(mine.pk)]
    assert set(ids("open")) == {str(mine.pk), str(theirs.pk)}
    assert ids("closed") == [str(done.pk)]
    assert client.get("/api/v1/tickets/?view=everything").json()["code"] == "bad_request"
    row = next(r for r in client.get("/api/v1/tickets/").json() if r["id"] == str(theirs.pk))
    assert row["assignee"] == {"id": str(teammate.user_id), "name": "Tom"}


def test_list_queries_do_not_grow_with_the_tickets(queues, agent, teammate, django_assert_num_queries):
    from helpdesk.api.serializers import TicketOut

    def add(n: int) -> None:
        for i in range(n):
            ticket = _ticket(queues["General"], f"T{Ticket.objects.count()}", due_in=timedelta(hours=i))
            if i % 2:
                ticket_claim(ticket_id=ticket.pk, profile=teammate)

    add(3)
    with django_assert_num_queries(1):
        small = TicketOut(tickets_for_agent(agent), many=True).data
    add(27)
    with django_assert_num_queries(1):
        large = TicketOut(tickets_for_agent(agent), many=True).data
    assert len(small) == 3 and len(large) == 30
    assert any(row["assignee"] for row in large)


# --- Claim ---------------------------------------------------------------------------------


def test_a_claimed_ticket_shows_who_and_a_second_claim_is_refused_clearly(client, queues, agent, teammate):
    ticket = _ticket(queues["General"])
    first = _as(client, agent).post(f"/api/v1/tickets/{ticket.pk}/claim/")
    assert first.status_code == 200 and first.json()["ticket"]["assignee"]["name"] == "Grace"
    assert client.post(f"/api/v1/tickets/{ticket.pk}/claim/").status_code == 200  # again: still hers
    second = _as(client, teammate).post(f"/api/v1/tickets/{ticket.pk}/claim/")
    assert second.status_code == 400
    assert second.json() == {"code": "already_claimed", "detail": "Grace has already claimed this ticket."}
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == agent.user_id
    assert list(TicketEvent.objects.values_list("kind", "actor_name")) == [("claimed", "Grace")]


@pytest.mark.django_db(transaction=True)
def test_two_agents_claiming_at_once_get_one_winner(queues, agent, teammate):
    ticket = _ticket(queues["General"])
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def claim(profile) -> None:
        try:
            start.wait(5)
            ticket_claim(ticket_id=ticket.pk, profile=profile)
            outcomes[profile.display_name] = "won"
        except ServiceError as error:
            outcomes[profile.display_name] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(p,)) for p in (agent, teammate)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes.values()) == ["already_claimed", "won"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "won")
    assert Ticket.objects.get(pk=ticket.pk).assignee.agent.display_name == winner
    assert TicketEvent.objects.filter(kind="claimed").count() == 1


# --- Reply ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the callback's bot turn runs after commit
def test_a_reply_enqueues_one_email_to_the_customer_and_is_recorded(client, queues, agent):
    ticket = _callback_ticket()
    before = set(OutboundEmail.objects.values_list("pk", flat=True))  # the callback's confirmation
    answer = _as(client, agent).post(
        f"/api/v1/tickets/{ticket.pk}/reply/", {"body": "We'll send a new sofa on Monday."}, "application/json"
    )
    assert answer.status_code == 200, answer.content
    sent = OutboundEmail.objects.exclude(pk__in=before)
    assert sent.count() == 1
    email = sent.get()
    assert email.to == "nia@example.com" and email.kind == "ticket_reply"
    assert "We'll send a new sofa on Monday." in email.body and f"#{ticket.pk}" in email.subject
    body = answer.json()
    assert body["ticket"]["status"] == "pending"
    assert body["ticket"]["assignee"]["name"] == "Grace"  # replying to an unclaimed ticket claims it
    replied = body["events"][-1]
    assert (replied["kind"], replied["actor"], replied["email_to"]) == ("replied", "Grace", "nia@example.com")
    assert replied["body"] == "We'll send a new sofa on Monday."


def test_a_reply_needs_the_customers_email(client, queues, agent):
    ticket = _ticket(queues["General"], "No address")
    answer = _as(client, agent).post(f"/api/v1/tickets/{ticket.pk}/reply/", {"body": "Hello"}, "application/json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "no_email" and "no email address" in answer.json()["detail"]
    assert not OutboundEmail.objects.exists() and not TicketEvent.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN


def test_only_the_holder_or_a_supervisor_replies_to_a_claimed_ticket(client, queues, agent, teammate, supervisor):
    ticket = _ticket(queues["General"], email="x@example.com")
    ticket_claim(ticket_id=ticket.pk, profile=agent)
    refused = _as(client, teammate).post(f"/api/v1/tickets/{ticket.pk}/reply/", {"body": "Hi"}, "application/json")
    assert refused.status_code == 403 and "Grace has claimed this ticket" in refused.json()["detail"]
    assert not OutboundEmail.objects.exists()
    allowed = _as(client, supervisor).post(f"/api/v1/tickets/{ticket.pk}/reply/", {"body": "Hi"}, "application/json")
    assert allowed.status_code == 200
    assert client.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"body": 5}, "application/json").status_code == 400
    assert client.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"body": "  "}, "application/json").status_code == 400
    assert OutboundEmail.objects.count() == 1


# --- Close and the chat beside it ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the callback's bot turn runs after commit
def test_close_with_a_note_then_nothing_more(client, queues, agent):
    ticket = _callback_ticket()
    answer = _as(client, agent).post(
        f"/api/v1/tickets/{ticket.pk}/close/", {"note": "Replacement booked."}, "application/json"
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["ticket"]["status"] == "closed" and body["ticket"]["overdue"] is False
    assert (body["events"][-1]["kind"], body["events"][-1]["body"]) == ("closed", "Replacement booked.")
    for path, data in (("claim/", {}), ("reply/", {"body": "Hi"}), ("close/", {})):
        again = client.post(f"/api/v1/tickets/{ticket.pk}/{path}", data, "application/json")
        assert again.json() == {"code": "invalid_state", "detail": "This ticket is closed."}, path


@pytest.mark.django_db(transaction=True)  # the callback's bot turn runs after commit
def test_the_ticket_shows_the_customers_chat_with_notes_marked(client, queues, agent):
    ticket = _callback_ticket()
    note_post(conversation_id=ticket.conversation_id, author=agent.user, author_name="Grace", body="VIP, be kind")
    body = _as(client, agent).get(f"/api/v1/tickets/{ticket.pk}/").json()
    history = body["history"]
    assert [m["body"] for m in history if m["sender"] == "customer"][:2] == [
        "my sofa arrived broken",
        "Request a callback",
    ]
    note = next(m for m in history if m["body"] == "VIP, be kind")
    assert note["internal"] is True
    assert not any(m.get("internal") for m in history if m["body"] != "VIP, be kind")
    assert body["ticket"]["customer_email"] == "nia@example.com" and body["ticket"]["queue"] == "General"


def test_the_tickets_page_is_for_agents(client, queues, agent):
    assert client.get("/inbox/tickets/").status_code == 302  # to the login
    client.force_login(agent.user)
    page = client.get("/inbox/tickets/")
    assert page.status_code == 200
    assert b"js/tickets.js" in page.content and b"<script>" not in page.content


def test_erasing_the_customer_erases_the_replies_and_notes(queues, agent, supervisor):
    from helpdesk.services.data_requests import customer_erase
    from helpdesk.services.tickets import ticket_close, ticket_reply

    ticket = _ticket(queues["General"], "Call Ivy", email="ivy@example.com")
    event = ticket_reply(ticket_id=ticket.pk, profile=agent, body="Ivy, we'll ring you on 0161 496 0000.")
    ticket_close(ticket_id=ticket.pk, profile=agent, note="Rang Ivy on 0161 496 0000")
    customer_erase(customer=ticket.customer, actor=supervisor.user)
    assert set(TicketEvent.objects.exclude(body="").values_list("body", flat=True)) == {"[erased]"}
    assert OutboundEmail.objects.get(pk=event.email_id).body == "[erased]"


# --- The tickets page's socket -------------------------------------------------------------


async def _tickets_socket(profile):
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    token = await database_sync_to_async(lambda: agent_token(profile))()
    communicator = WebsocketCommunicator(application, f"/ws/agent/?token={token}&view=tickets")
    connected, code = await communicator.connect()
    assert connected, code
    return communicator


@pytest.mark.django_db(transaction=True)
async def test_a_new_or_changed_ticket_reaches_the_tickets_pages_that_may_see_it(queues, agent, outsider, supervisor):
    from channels.db import database_sync_to_async

    from helpdesk.models import AgentProfile
    from tests.support.sockets import drain

    sockets = {p.display_name: await _tickets_socket(p) for p in (agent, outsider, supervisor)}
    try:
        ticket = await database_sync_to_async(_ticket)(queues["General"], "Call Kim", email="kim@example.com")
        frame = {"type": "ticket.changed", "ticket_id": str(ticket.pk)}
        assert await drain(sockets["Grace"]) == [frame]
        assert await drain(sockets["Sofia"]) == [frame]
        assert await drain(sockets["Olga"]) == []  # another queue's ticket: not even its id
        await database_sync_to_async(ticket_claim)(ticket_id=ticket.pk, profile=agent)
        assert await drain(sockets["Grace"]) == [frame]
        assert await drain(sockets["Olga"]) == []
        # The socket only listens, and opening the page puts nobody online for chats.
        await sockets["Grace"].send_json_to({"type": "accept", "conversation_id": "x"})
        assert (await sockets["Grace"].receive_json_from())["code"] == "read_only"
        presence = await database_sync_to_async(lambda: AgentProfile.objects.get(pk=agent.pk).presence)()
        assert presence == "offline"
    finally:
        for communicator in sockets.values():
            await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_ticket_claimed_outside_the_queue_reaches_its_holder_once(queues, agent, outsider):
    from channels.db import database_sync_to_async

    from tests.support.sockets import drain

    # Olga (Billing) opens a ticket in General: it is hers to see, though not her queue's.
    def opened() -> Ticket:
        customer = Customer.objects.create(name="Lee")
        return ticket_open(subject="Call Lee", customer=customer, queue=queues["General"], created_by=outsider.user)

    sockets = {p.display_name: await _tickets_socket(p) for p in (agent, outsider)}
    try:
        ticket = await database_sync_to_async(opened)()
        frame = {"type": "ticket.changed", "ticket_id": str(ticket.pk)}
        assert await drain(sockets["Olga"]) == [frame]
        assert await drain(sockets["Grace"]) == [frame]
        await database_sync_to_async(ticket_claim)(ticket_id=ticket.pk, profile=agent)
        assert await drain(sockets["Grace"]) == [frame]  # her queue's group and no more
        assert await drain(sockets["Olga"]) == [frame]
    finally:
        for communicator in sockets.values():
            await communicator.disconnect()
