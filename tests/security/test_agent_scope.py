"""An agent reaches only the conversations of their queues (a supervisor reaches all), over
every REST endpoint and every agent-socket action; a customer's token reads nothing but its
own conversation. Each refusal is clear and carries nothing of the conversation.

Personas: Grace (agent, General), Olga (outsider, Billing), Sofia (supervisor), and Dana, the
customer, whose conversation waits in General."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from helpdesk.models import Attachment, Conversation, ConversationEvent, Message, Ticket
from tests.support.security import PNG, agent_token
from tests.support.sockets import agent_socket, drain, frames_until

pytestmark = pytest.mark.django_db(transaction=True)

FORBIDDEN_DETAIL = "You may not do that with this conversation."


def _as(client, profile):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {agent_token(profile)}"
    return client


def _leaks(answer, conversation) -> bool:
    body = b"".join(answer.streaming_content) if answer.streaming else answer.content
    text = body.decode(errors="replace")
    return (
        "Dana" in text
        or "dana@example.com" in text
        or any(m.body in text for m in Message.objects.filter(conversation=conversation) if len(m.body) > 12)
    )


# --- REST, agent against agent ------------------------------------------------------------


def test_outsider_gets_a_clear_403_for_the_packet_and_nothing_in_it(client, queued, agent, outsider) -> None:
    conversation, _ = queued
    answer = _as(client, outsider).get(f"/api/v1/agent/conversations/{conversation.pk}/")
    assert answer.status_code == 403
    assert answer.json() == {"code": "forbidden", "detail": FORBIDDEN_DETAIL}
    assert _as(client, agent).get(f"/api/v1/agent/conversations/{conversation.pk}/").status_code == 200


def test_outsiders_inbox_does_not_list_another_queues_conversation(client, queued, agent, outsider, supervisor) -> None:
    conversation, _ = queued
    cid = str(conversation.pk)

    def listed(profile) -> set[str]:
        body = _as(client, profile).get("/api/v1/inbox/").json()
        return {row["id"] for key in ("queued", "mine", "with_bot") for row in body[key]}

    assert cid not in listed(outsider)
    assert not _leaks(_as(client, outsider).get("/api/v1/inbox/"), conversation)
    assert cid in listed(agent) and cid in listed(supervisor)


def test_tickets_are_scoped_to_the_agents_queues(client, queued, agent, outsider, supervisor) -> None:
    conversation, _ = queued
    made = _as(client, agent).post(
        "/api/v1/tickets/", {"subject": "Call Dana back", "conversation_id": str(conversation.pk)}, "application/json"
    )
    assert made.status_code == 201
    ticket_id = made.json()["id"]

    def ids(profile) -> set[str]:
        answer = _as(client, profile).get("/api/v1/tickets/")
        assert answer.status_code == 200
        return {row["id"] for row in answer.json()}

    assert ticket_id in ids(agent) and ticket_id in ids(supervisor)
    assert ticket_id not in ids(outsider)  # this was the bug: every agent saw every ticket
    assert "Call Dana back" not in _as(client, outsider).get("/api/v1/tickets/").content.decode()

    refused = _as(client, outsider).post(
        "/api/v1/tickets/", {"subject": "Sneak", "conversation_id": str(conversation.pk)}, "application/json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["Call Dana back"]


def test_an_outsider_cannot_fetch_a_photo_and_is_not_told_it_exists(
    client, queued, agent, outsider, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    conversation, token = queued
    client.post(
        f"/api/v1/conversations/{conversation.pk}/attachments/?token={token}",
        {"file": SimpleUploadedFile("p.png", PNG)},
    )
    attachment = Attachment.objects.get()
    url = f"/api/v1/attachments/{attachment.pk}/"
    assert _as(client, agent).get(url).status_code == 200
    refused = _as(client, outsider).get(url)
    assert refused.status_code == 404 and refused.json() == {"code": "not_found", "detail": "No such attachment."}


def test_analytics_is_for_supervisors_only(client, queued, agent, supervisor) -> None:
    period = {"start": str(date.today() - timedelta(days=7)), "end": str(date.today() + timedelta(days=1))}
    for path in (
        "/api/v1/analytics/scorecard/",
        "/api/v1/analytics/scorecard.csv",
        "/api/v1/analytics/conversations.csv",
    ):
        refused = _as(client, agent).get(path, period)
        assert refused.status_code == 403, path
        assert refused.json() == {"detail": "Supervisors only."}
        assert _as(client, supervisor).get(path, period).status_code == 200, path
    client.defaults.pop("HTTP_AUTHORIZATION")
    client.force_login(agent.user)
    for path in ("/analytics/", "/analytics/weekly/"):
        assert client.get(path).status_code == 403, path


# --- the agent socket ---------------------------------------------------------------------


def _snapshot(cid: str) -> tuple:
    conversation = Conversation.objects.get(pk=cid)
    return (
        conversation.status,
        conversation.agent_id,
        conversation.queue_id,
        Message.objects.filter(conversation_id=cid).count(),
        ConversationEvent.objects.filter(conversation_id=cid).count(),
    )


OUTSIDER_ACTIONS = [
    {"type": "accept"},
    {"type": "message", "body": "Hello from Billing"},
    {"type": "note", "body": "a private peek"},
    {"type": "transfer", "queue": "Billing"},  # stealing it into one's own queue
    {"type": "watch"},
    {"type": "resolve"},
    {"type": "handback"},
    {"type": "rate_bot", "rating": "down"},
]


async def test_every_socket_action_on_another_queues_conversation_is_refused(queued, agent, outsider) -> None:
    conversation, _ = queued
    cid = str(conversation.pk)
    before = await database_sync_to_async(_snapshot)(cid)
    inbox = await agent_socket(outsider)
    await drain(inbox)
    for action in OUTSIDER_ACTIONS:
        await inbox.send_json_to({**action, "conversation_id": cid})
        frames = await frames_until(inbox, lambda f: f["type"] in ("error", "ok"))
        answer = frames[-1]
        # Exactly the refusal: which action, which id (the client's own), a generic reason.
        assert answer == {
            "type": "error",
            "code": "forbidden",
            "detail": FORBIDDEN_DETAIL,
            "action": action["type"],
            "conversation_id": cid,
        }, action
        assert all(f.get("conversation", {}).get("id") != cid for f in frames), action
    assert await database_sync_to_async(_snapshot)(cid) == before
    await inbox.disconnect()


async def test_an_outsider_hears_nothing_of_another_queues_conversation(queued, agent, outsider) -> None:
    conversation, token = queued
    cid = str(conversation.pk)
    inbox = await agent_socket(outsider)
    await drain(inbox)
    await inbox.send_json_to({"type": "watch", "conversation_id": cid})
    await frames_until(inbox, lambda f: f["type"] == "error")
    grace = await agent_socket(agent)
    await grace.send_json_to({"type": "accept", "conversation_id": cid})
    await frames_until(grace, lambda f: f["type"] == "ok" and f["action"] == "accept")
    await grace.send_json_to({"type": "message", "conversation_id": cid, "body": "Grace here, how can I help?"})
    await grace.send_json_to({"type": "note", "conversation_id": cid, "body": "Dana sounds upset, careful"})
    await frames_until(grace, lambda f: f["type"] == "ok" and f["action"] == "note")
    heard = await drain(inbox, timeout=0.5)
    assert all(cid not in json.dumps(f) for f in heard), heard
    await inbox.disconnect()
    await grace.disconnect()


async def test_unknown_or_malformed_ids_are_refused_as_not_found(queued, outsider) -> None:
    inbox = await agent_socket(outsider)
    await drain(inbox)
    for cid in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        await inbox.send_json_to({"type": "watch", "conversation_id": cid})
        error = (await frames_until(inbox, lambda f: f["type"] == "error"))[-1]
        assert error["code"] == "not_found", cid
    await inbox.disconnect()


async def test_a_supervisor_reaches_every_queue(queued, supervisor) -> None:
    conversation, _ = queued
    cid = str(conversation.pk)
    inbox = await agent_socket(supervisor)
    await drain(inbox)
    await inbox.send_json_to({"type": "watch", "conversation_id": cid})
    ok = (await frames_until(inbox, lambda f: f["type"] in ("ok", "error")))[-1]
    assert ok["type"] == "ok" and ok["conversation"]["id"] == cid
    await inbox.disconnect()


# --- a customer's token against every API URL ------------------------------------------------


def _api_routes() -> set[str]:
    """Every route under /api/ that config/urls.py serves, as its pattern string."""
    found: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/"):
                found.add(route)

    walk(get_resolver().url_patterns, "")
    return found


# Route -> what a customer may do there with their own conversation's token. Everything not
# listed must refuse them. A new route fails test_every_api_route_is_covered until added here.
CUSTOMER_ALLOWED = {
    "api/schema/": {"GET"},  # public documentation
    "api/docs/": {"GET"},
    "api/v1/conversations/": {"POST"},  # anyone may start a conversation
    "api/v1/conversations/<str:conversation_id>/state/": {"GET"},
    "api/v1/conversations/<str:conversation_id>/attachments/": {"POST"},
    "api/v1/attachments/<str:attachment_id>/": {"GET"},
    "api/v1/auth/token/": set(),
    "api/v1/inbox/": set(),
    "api/v1/agent/conversations/<str:conversation_id>/": set(),
    "api/v1/agent/conversations/search/": set(),
    "api/v1/tickets/": set(),
    "api/v1/tickets/<str:ticket_id>/": set(),
    "api/v1/tickets/<str:ticket_id>/claim/": set(),
    "api/v1/tickets/<str:ticket_id>/reply/": set(),
    "api/v1/tickets/<str:ticket_id>/close/": set(),
    "api/v1/analytics/scorecard/": set(),
    "api/v1/analytics/scorecard.csv": set(),
    "api/v1/analytics/conversations.csv": set(),
}


def test_every_api_route_is_covered() -> None:
    assert _api_routes() == set(CUSTOMER_ALLOWED)


def test_a_customer_token_reads_nothing_but_its_own_conversation(client, queued, settings, tmp_path) -> None:
    from helpdesk.services.conversations import conversation_start

    settings.MEDIA_ROOT = tmp_path
    conversation, _ = queued  # Dana's: the victim
    mine, token = conversation_start(name="Mallory")
    for cid, key in ((conversation.pk, _token_of(queued)), (mine.pk, token)):
        client.post(f"/api/v1/conversations/{cid}/attachments/?token={key}", {"file": SimpleUploadedFile("p.png", PNG)})
    own_photo = Attachment.objects.get(conversation=mine).pk
    their_photo = Attachment.objects.get(conversation=conversation).pk
    period = f"start={date.today() - timedelta(days=7)}&end={date.today() + timedelta(days=1)}"

    def fill(route: str, target: str) -> str:
        cid, aid = (mine.pk, own_photo) if target == "own" else (conversation.pk, their_photo)
        path = "/" + route.replace("<str:conversation_id>", str(cid)).replace("<str:attachment_id>", str(aid))
        path = path.replace("<str:ticket_id>", "1")
        return path + (f"?{period}" if "analytics" in route else "")

    carriers = {
        "query": lambda path: ({"token": token}, {}),
        "bearer": lambda path: ({}, {"HTTP_AUTHORIZATION": f"Bearer {token}"}),
        "token": lambda path: ({}, {"HTTP_AUTHORIZATION": f"Token {token}"}),
    }
    tried = 0
    for route, allowed in CUSTOMER_ALLOWED.items():
        for target in ("own", "theirs"):
            path = fill(route, target)
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                for carrier, make in carriers.items():
                    params, headers = make(path)
                    sep = "&" if "?" in path else "?"
                    url = path + (sep + "token=" + token if params else "")
                    answer = client.generic(method, url, b"{}", "application/json", **headers)
                    tried += 1
                    context = (route, target, method, carrier, answer.status_code)
                    assert answer.status_code < 500, context
                    assert not _leaks(answer, conversation), context
                    if (
                        route.startswith("api/v1/conversations/")
                        and route != "api/v1/conversations/"
                        and target == "theirs"
                    ):
                        assert answer.status_code in (404, 405), context
                    if method not in allowed:
                        assert answer.status_code in (400, 401, 403, 404, 405), context
    assert tried == len(CUSTOMER_ALLOWED) * 2 * 5 * 3
    # Nothing was written into Dana's conversation along the way.
    assert not Message.objects.filter(conversation=conversation, body__contains="Mallory").exists()
    assert Attachment.objects.filter(conversation=conversation).count() == 1


def _token_of(queued) -> str:
    return queued[1]
