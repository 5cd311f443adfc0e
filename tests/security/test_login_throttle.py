"""Login throttling on /login/, /admin/login/ and POST /api/v1/auth/token/: N failures for one
username from one address lock that pair for a while; a success resets the count."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from tests.support.servers import DEMO_PASSWORD, base_env, manage

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.HELPDESK_LOGIN_MAX_FAILURES = 3
    settings.HELPDESK_LOGIN_LOCKOUT_SECONDS = 60


def _page_login(client: Client, path: str, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _api_login(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, "application/json", REMOTE_ADDR=address
    )


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_a_login_page_locks_the_pair_after_n_failures(client, supervisor, path) -> None:
    for attempt in range(2):
        answer = _page_login(client, path, "sofia", WRONG)
        assert answer.status_code == 200 and b"Too many failed" not in answer.content, attempt
    locked = _page_login(client, path, "sofia", WRONG)
    assert b"Too many failed sign-in attempts" in locked.content and b"Try again in 1 minute" in locked.content
    # The right password is refused too while the lock holds.
    refused = _page_login(client, path, "sofia", DEMO_PASSWORD)
    assert b"Too many failed sign-in attempts" in refused.content
    assert not _logged_in(client)
    # Another address, and another account from this address, are not locked.
    other = Client()
    assert _page_login(other, path, "sofia", DEMO_PASSWORD, address="10.9.9.9").status_code == 302
    assert _logged_in(other)


def test_the_lock_is_shared_between_the_pages_and_the_api(client, agent) -> None:
    for _ in range(2):
        _page_login(client, "/login/", "grace", WRONG)
    _page_login(client, "/admin/login/", "grace", WRONG)  # the third failure, on another page
    answer = _api_login(client, "grace", DEMO_PASSWORD)
    assert answer.status_code == 429
    # Usernames are matched without case, so GRACE is the same account.
    assert _api_login(client, "GRACE", DEMO_PASSWORD).status_code == 429


def test_the_api_answers_429_with_a_clear_body_and_retry_after(client, agent) -> None:
    for _ in range(2):
        answer = _api_login(client, "grace", WRONG)
        assert answer.status_code == 400 and answer.json()["code"] == "invalid_credentials"
    locked = _api_login(client, "grace", WRONG)
    assert locked.status_code == 429
    assert locked.json() == {
        "code": "login_locked",
        "detail": "Too many failed sign-in attempts for this account from your address. Try again in 1 minute.",
    }
    assert 0 < int(locked["Retry-After"]) <= 60
    refused = _api_login(client, "grace", DEMO_PASSWORD)
    assert refused.status_code == 429 and "token" not in refused.json()
    assert _api_login(client, "grace", DEMO_PASSWORD, address="10.9.9.9").status_code == 200
    assert _api_login(client, "tom", WRONG).status_code == 400  # another account: not locked


def test_a_success_resets_the_count(client, agent) -> None:
    for _ in range(2):
        assert _api_login(client, "grace", WRONG).status_code == 400
    assert _api_login(client, "grace", DEMO_PASSWORD).status_code == 200
    for _ in range(2):
        assert _api_login(client, "grace", WRONG).status_code == 400  # would be locked without the reset
    assert _api_login(client, "grace", WRONG).status_code == 429


def test_the_lock_lifts_after_its_period(client, agent, settings) -> None:
    # Failures count within one lockout period; a few seconds covers three slow password
    # checks on a busy machine.
    settings.HELPDESK_LOGIN_LOCKOUT_SECONDS = 4
    for _ in range(3):
        _api_login(client, "grace", WRONG)
    locked = _api_login(client, "grace", DEMO_PASSWORD)
    assert locked.status_code == 429
    time.sleep(int(locked["Retry-After"]) + 0.2)
    assert _api_login(client, "grace", DEMO_PASSWORD).status_code == 200


def test_the_limits_are_read_from_the_environment() -> None:
    env = base_env(HELPDESK_LOGIN_MAX_FAILURES="7", HELPDESK_LOGIN_LOCKOUT_SECONDS="1234")
    out = manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.HELPDESK_LOGIN_MAX_FAILURES, s.HELPDESK_LOGIN_LOCKOUT_SECONDS)",
    )
    assert out.split() == ["7", "1234"]
