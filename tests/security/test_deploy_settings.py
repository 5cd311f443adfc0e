"""Production settings: `manage.py check --deploy --fail-level WARNING` is clean with a
production environment, secrets come only from the environment, and the process refuses to
start on the public development key or none."""

from __future__ import annotations

import ast
import json
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import ROOT, base_env, manage

pytestmark = pytest.mark.timeout(120)

SETTINGS_DIR = ROOT / "config" / "settings"


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "helpdesk.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3",
        "REDIS_URL": "redis://127.0.0.1:6379/4",
    }
    return base_env(**{**env, **overrides})


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90
    )


def test_check_deploy_is_clean_in_production(tmp_path) -> None:
    out = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert "no issues" in out


def test_check_deploy_catches_what_a_careless_deployment_gets_wrong(tmp_path) -> None:
    """The control: the same check fails on a weak key or with HTTPS switched off, so the clean
    run above is not an empty check."""
    weak = _run(production_env(tmp_path, SECRET_KEY="short-key"), "check", "--deploy", "--fail-level", "WARNING")
    assert weak.returncode != 0 and "security.W009" in weak.stderr
    plain = _run(production_env(tmp_path, HELPDESK_HTTPS="0"), "check", "--deploy", "--fail-level", "WARNING")
    assert plain.returncode != 0
    for code in ("W004", "W008", "W012", "W016"):  # HSTS, SSL redirect, secure cookies
        assert f"security.{code}" in plain.stderr, code


@pytest.mark.parametrize(
    "overrides",
    [
        {"SECRET_KEY": "dev-only-insecure-key-do-not-use-in-production"},  # the public dev key
        {"SECRET_KEY": ""},
        {"SECRET_KEY": "   "},
    ],
    ids=["dev-default", "empty", "blank"],
)
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, overrides) -> None:
    env = production_env(tmp_path, **overrides)
    refused = _run(env, "check")
    assert refused.returncode != 0
    assert "SECRET_KEY must be set" in refused.stderr


def test_production_refuses_with_no_secret_key_at_all(tmp_path) -> None:
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    env.pop("DEBUG")  # REDIS_URL alone means production: DEBUG defaults to off
    refused = _run(env, "check")
    assert refused.returncode != 0 and "SECRET_KEY must be set" in refused.stderr


def test_https_settings_in_production_and_the_plain_http_switch(tmp_path) -> None:
    show = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "['DEBUG', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'SECURE_HSTS_PRELOAD', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'SECURE_REDIRECT_EXEMPT', 'HELPDESK_CUSTOMER_TOKEN_MAX_AGE_SECONDS']}))"
    )
    prod = json.loads(manage(production_env(tmp_path), "shell", "--no-imports", "-c", show).strip().splitlines()[-1])
    assert prod == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
        "HELPDESK_CUSTOMER_TOKEN_MAX_AGE_SECONDS": 7 * 24 * 3600,
    }
    env = production_env(tmp_path, HELPDESK_HTTPS="0", HELPDESK_CUSTOMER_TOKEN_MAX_AGE_SECONDS="3600")
    plain = json.loads(manage(env, "shell", "--no-imports", "-c", show).strip().splitlines()[-1])
    assert not plain["SECURE_SSL_REDIRECT"] and plain["SECURE_HSTS_SECONDS"] == 0
    assert not plain["SESSION_COOKIE_SECURE"] and not plain["CSRF_COOKIE_SECURE"]
    assert plain["HELPDESK_CUSTOMER_TOKEN_MAX_AGE_SECONDS"] == 3600


# --- no secrets in the code ------------------------------------------------------------------

SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL)", re.I)
URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.I)


def _string_assignments(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and isinstance(node.value, ast.Constant):
                    if isinstance(node.value.value, str):
                        yield target.id, node.value.value, node.lineno


def test_settings_hold_no_hard_coded_secret() -> None:
    files = sorted((ROOT / "config").rglob("*.py"))
    assert SETTINGS_DIR / "base.py" in files
    found = []
    for path in files:
        text = path.read_text()
        for name, value, line in _string_assignments(path):
            if SECRET_NAME.search(name) and value:
                found.append((path.name, name, line))
        for match in URL_WITH_PASSWORD.finditer(text):
            found.append((path.name, match.group(0), text[: match.start()].count("\n") + 1))
    # The one literal is the public development key, and production refuses it (tests above).
    assert found == [("base.py", "_DEV_SECRET", _line_of("_DEV_SECRET = "))]
    base = (SETTINGS_DIR / "base.py").read_text()
    assert 'SECRET_KEY = env_str("SECRET_KEY") or _DEV_SECRET' in base


def _line_of(needle: str) -> int:
    text = (SETTINGS_DIR / "base.py").read_text()
    return text[: text.index(needle)].count("\n") + 1
