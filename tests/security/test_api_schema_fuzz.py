"""Schemathesis against /api/schema/ (drf-spectacular), in process through Django's WSGI
handler: for every operation, generated valid and invalid requests, and for each answer:
no 5xx, a status the schema documents, a body that matches the schema, invalid input not
accepted, valid input not refused (schemathesis's default checks, all of them).

Credentials: agent endpoints get an agent's token (a supervisor's for analytics); the
customer's endpoints get, for valid (positive) cases, a real conversation and its token, so the
2xx answers are checked too, not only the refusals. Bounded: a few examples per operation."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.people import make_agent
from tests.support.security import PNG, agent_token

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]

# CI runs a fixed, derandomized sample (about 30 s). To explore further:
#   HELPDESK_FUZZ_EXAMPLES=300 HELPDESK_FUZZ_EXPLORE=1 pytest tests/security/test_api_schema_fuzz.py
EXAMPLES_PER_OPERATION = int(os.environ.get("HELPDESK_FUZZ_EXAMPLES", "20"))
EXPLORE = bool(os.environ.get("HELPDESK_FUZZ_EXPLORE"))


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Django's WSGI handler closes the database connection after each request, which would
    # end the test's transaction; the test client unhooks the same signals for this reason.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, settings, tmp_path):
    """Personas and a conversation with a photo; limits raised so the fuzzer is not throttled
    (the limits have their own tests)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from helpdesk.models import Queue
    from helpdesk.services.attachments import attachment_add
    from helpdesk.services.conversations import conversation_start
    from helpdesk.services.tickets import ticket_open

    settings.MEDIA_ROOT = tmp_path
    settings.HELPDESK_CREATE_RATE = {"limit": 100000, "window_seconds": 60}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/min"}}
    # Plain queues, no trained model: in a test that does not commit, the bot's turn (run after
    # commit) never starts, and the fuzzer talks only to the REST API.
    general = Queue.objects.create(name="General", is_default=True)
    billing = Queue.objects.create(name="Billing")
    agent = make_agent("fuzz_agent", [general])
    boss = make_agent("fuzz_boss", [general, billing], supervisor=True)
    conversation, token = conversation_start(name="Fuzz Customer")
    attachment = attachment_add(conversation=conversation, upload=SimpleUploadedFile("p.png", PNG))
    ticket = ticket_open(subject="Call back", customer=conversation.customer, conversation=conversation, queue=general)
    return {
        "ticket_id": str(ticket.pk),
        "agent": agent_token(agent),
        "supervisor": agent_token(boss),
        "conversation_id": str(conversation.pk),
        "token": token,
        "attachment_id": str(attachment.pk),
    }


# Loaded when the module is collected, from the served /api/schema/ (no database needed).
# (schemathesis.pytest.from_fixture would load it per test, but it does not run on pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not EXPLORE,
)
def test_the_api_keeps_its_schema(case, world) -> None:
    path = case.operation.path
    headers = {}
    if path.startswith("/api/v1/analytics/"):
        headers["Authorization"] = f"Token {world['supervisor']}"
    elif path.startswith(("/api/v1/inbox/", "/api/v1/agent/", "/api/v1/tickets/")):
        headers["Authorization"] = f"Token {world['agent']}"
    positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
    if positive and "{conversation_id}" in path and not path.startswith("/api/v1/agent/"):
        # The customer's own conversation: the token must match the id it opens.
        case.path_parameters = {**(case.path_parameters or {}), "conversation_id": world["conversation_id"]}
        case.query = {**(case.query or {}), "token": world["token"]}
    if positive and "{ticket_id}" in path:
        case.path_parameters = {**(case.path_parameters or {}), "ticket_id": world["ticket_id"]}
    if positive and "{attachment_id}" in path:
        case.path_parameters = {**(case.path_parameters or {}), "attachment_id": world["attachment_id"]}
        case.query = {**(case.query or {}), "token": world["token"]}
    case.call_and_validate(
        headers=headers,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[valid_requests_are_refused_only_for_reasons_beyond_the_schema],
    )


# Validity that OpenAPI cannot state, per operation: the helpdesk's codes a schema-valid
# request may still get a 400 with. A 400 with any other body (DRF's field errors, say) means
# the schema promised something the API does not accept: a real failure.
BEYOND_THE_SCHEMA = {
    # end after start, at most three years: a relation between two parameters
    "GET /api/v1/analytics/scorecard/": {"bad_request"},
    "GET /api/v1/analytics/scorecard.csv": {"bad_request"},
    "GET /api/v1/analytics/conversations.csv": {"bad_request"},
    # what the file's bytes are, and how big
    "POST /api/v1/conversations/{conversation_id}/attachments/": {
        "bad_request",
        "unsupported_type",
        "empty_file",
        "too_large",
    },
    # a conversation_id or a customer_email, one of the two
    "POST /api/v1/tickets/": {"bad_request"},
    # the ticket's state (closed by an earlier case), the customer's address, a blank reply
    "POST /api/v1/tickets/{ticket_id}/claim/": {"invalid_state"},
    "POST /api/v1/tickets/{ticket_id}/reply/": {"invalid_state", "no_email", "bad_request"},
    "POST /api/v1/tickets/{ticket_id}/close/": {"invalid_state"},
    # a well-formed username and password that are not an account's
    "POST /api/v1/auth/token/": {"invalid_credentials"},
}


def valid_requests_are_refused_only_for_reasons_beyond_the_schema(ctx, response, case) -> None:
    """schemathesis's positive_data_acceptance, less the refusals listed above."""
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    if response.status_code not in (400, 422):
        return
    allowed = BEYOND_THE_SCHEMA.get(f"{case.method.upper()} {case.operation.path}", set())
    body = response.json()
    assert body.get("code") in allowed, f"a schema-valid request was refused: {response.status_code} {body}"
