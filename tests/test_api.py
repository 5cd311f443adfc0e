"""The REST side, through Django's test client."""

from __future__ import annotations

import pytest

from helpdesk.models import Conversation, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def start(client, body=None, **extra):
    return client.post("/api/v1/conversations/", body or {}, content_type="application/json", **extra)


def test_start_answers_201_with_id_token_and_ws_url(client, queues) -> None:
    answer = start(
        client,
        {
            "name": "Dana",
            "email": "dana@example.com",
            "external_id": "crm-1",
            "channel": "web",
            "page_url": "https://shop.example/checkout",
            "metadata": {"plan": "pro"},
        },
    )
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == {"id", "token", "ws_url"}
    assert body["ws_url"] == f"/ws/conversations/{body['id']}/?token={body['token']}"
    conversation = Conversation.objects.get(pk=body["id"])
    assert conversation.metadata == {"plan": "pro"} and conversation.page_url == "https://shop.example/checkout"
    assert conversation.status == "bot"


def test_start_with_no_body_is_anonymous(client, queues) -> None:
    assert start(client).status_code == 201


@pytest.mark.parametrize("body", [{"email": "not-an-email"}, {"channel": "<b>web</b>"}, {"metadata": "x"}])
def test_start_validation_errors_are_400_and_store_nothing(client, queues, body) -> None:
    answer = start(client, body)
    assert answer.status_code == 400
    assert Conversation.objects.count() == 0


def test_start_refuses_a_malformed_json_body(client, queues) -> None:
    answer = client.post("/api/v1/conversations/", "{nope", content_type="application/json")
    assert answer.status_code == 400
    assert Conversation.objects.count() == 0


def test_start_is_rate_limited_per_address(client, queues, settings) -> None:
    settings.HELPDESK_CREATE_RATE = {"limit": 3, "window_seconds": 60}
    codes = [start(client, REMOTE_ADDR="10.9.9.9").status_code for _ in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    assert start(client, REMOTE_ADDR="10.9.9.10").status_code == 201


def test_customer_state_needs_the_right_token(client, queues) -> None:
    body = start(client).json()
    ok = client.get(f"/api/v1/conversations/{body['id']}/state/?token={body['token']}")
    assert ok.status_code == 200 and ok.json()["status"] == "bot"
    assert client.get(f"/api/v1/conversations/{body['id']}/state/?token=forged").status_code == 404


def test_token_endpoint_and_token_auth(client, agent) -> None:
    bad = client.post(
        "/api/v1/auth/token/", {"username": "grace", "password": "wrong"}, content_type="application/json"
    )
    assert bad.status_code == 400
    token = client.post(
        "/api/v1/auth/token/", {"username": "grace", "password": "demo-pass-123"}, content_type="application/json"
    ).json()["token"]
    inbox = client.get("/api/v1/inbox/", HTTP_AUTHORIZATION=f"Token {token}")
    assert inbox.status_code == 200
    assert inbox.json()["agent"]["queues"] == ["General"]


def test_inbox_refuses_anonymous_and_non_agents(client, queues, django_user_model) -> None:
    assert client.get("/api/v1/inbox/").status_code in (401, 403)
    django_user_model.objects.create_user("plain", password="pw-123456")
    client.login(username="plain", password="pw-123456")
    assert client.get("/api/v1/inbox/").status_code == 403


def test_outsider_cannot_read_a_conversation_packet(client, queues, outsider, agent) -> None:
    body = start(client).json()
    from helpdesk.services.handoff import conversation_request_handoff

    conversation_request_handoff(conversation_id=body["id"], trigger="explicit_request", actor_type="customer")
    client.force_login(outsider.user)
    assert client.get(f"/api/v1/agent/conversations/{body['id']}/").status_code == 403
    client.force_login(agent.user)
    packet = client.get(f"/api/v1/agent/conversations/{body['id']}/").json()
    assert packet["queue"] == "General" and packet["transcript"]


def test_agent_opens_a_ticket_from_a_conversation(client, queues, agent) -> None:
    body = start(client, {"email": "dana@example.com"}).json()
    from helpdesk.services.handoff import conversation_request_handoff

    conversation_request_handoff(conversation_id=body["id"], trigger="explicit_request", actor_type="customer")
    client.force_login(agent.user)
    answer = client.post(
        "/api/v1/tickets/", {"subject": "Call back", "conversation_id": body["id"]}, content_type="application/json"
    )
    assert answer.status_code == 201, answer.content
    ticket = Ticket.objects.get()
    assert ticket.customer.email == "dana@example.com" and ticket.queue.name == "General"


def test_healthz_reports_the_embedded_parts(client) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["database"]["ok"] and body["channel_layer"]["backend"].endswith("InMemoryChannelLayer")
    assert body["mode"] == "embedded"


def test_healthz_is_503_when_redis_does_not_answer(client, settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["broker"]["ok"] is False


def test_schema_and_docs_are_served(client) -> None:
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_a_widget_on_another_origin_may_start_a_conversation(client, queues) -> None:
    preflight = client.options(
        "/api/v1/conversations/", HTTP_ORIGIN="https://shop.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == "*"
    assert "content-type" in preflight["Access-Control-Allow-Headers"]
    answer = start(client, HTTP_ORIGIN="https://shop.example")
    assert answer.status_code == 201 and answer["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/healthz")


def test_start_refuses_a_body_that_is_not_an_object(client, queues) -> None:
    answer = client.post("/api/v1/conversations/", "[]", content_type="application/json")
    assert answer.status_code == 400 and answer.json()["code"] == "bad_request"
