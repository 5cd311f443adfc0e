"""Websocket Origin check, on both sockets: through the real ASGI app (config.asgi), and on a
live daphne where a refused handshake must be an HTTP 403 before any consumer runs.

The agent socket accepts the session cookie, and browsers send cookies on a cross-site
websocket handshake; without this check any web page an agent visits could drive their inbox
(cross-site websocket hijacking)."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest
import websockets
from channels.db import database_sync_to_async

from tests.support.security import agent_token, open_socket
from tests.support.servers import DEMO_PASSWORD, http_json

pytestmark = pytest.mark.django_db(transaction=True)

FOREIGN = [
    "https://evil.example",
    "http://localhost.evil.example",  # a suffix trick on an allowed name
    "http://127.0.0.1.nip.example",
    "null",  # sandboxed iframes and file: pages
    "",  # present but empty
]


async def _paths(agent, started) -> dict[str, str]:
    conversation, token = started
    key = await database_sync_to_async(agent_token)(agent)
    return {"customer": f"/ws/conversations/{conversation.pk}/?token={token}", "agent": f"/ws/agent/?token={key}"}


@pytest.mark.parametrize("origin", FOREIGN)
async def test_a_foreign_origin_is_refused_on_both_sockets(queues, agent, started, origin) -> None:
    for kind, path in (await _paths(agent, started)).items():
        communicator, connected, code = await open_socket(path, origin=origin)
        assert not connected, (kind, origin)
        assert code == 4403, (kind, origin)


async def test_the_sites_own_origins_and_clients_without_origin_are_let_in(queues, agent, started) -> None:
    for kind, path in (await _paths(agent, started)).items():
        for origin in ("http://localhost:8000", "https://127.0.0.1", None):
            communicator, connected, _ = await open_socket(path, origin=origin)
            assert connected, (kind, origin)
            await communicator.disconnect()


async def test_extra_origins_are_configurable(queues, agent, started, settings) -> None:
    paths = await _paths(agent, started)
    settings.HELPDESK_WS_ALLOWED_ORIGINS = ["https://shop.example", ".widgets.example"]
    for origin in ("https://shop.example", "https://eu.widgets.example", "https://widgets.example"):
        communicator, connected, _ = await open_socket(paths["customer"], origin=origin)
        assert connected, origin
        await communicator.disconnect()
    for origin in ("https://shop.example.evil.example", "https://evilshop.example", "https://evil.example"):
        _, connected, _ = await open_socket(paths["customer"], origin=origin)
        assert not connected, origin
    settings.HELPDESK_WS_ALLOWED_ORIGINS = []
    _, connected, _ = await open_socket(paths["customer"], origin="https://shop.example")
    assert not connected


# --- a real daphne, a real websocket client ------------------------------------------------


def _session_cookie(server) -> str:
    """Log in as agent_general through /login/ like a browser; the session cookie's value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{server.url}/login/", timeout=10).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"username": "agent_general", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": csrf, "next": "/inbox/"}
    ).encode()
    opener.open(f"{server.url}/login/", data=form, timeout=10).read()
    cookies = {c.name: c.value for c in jar}
    assert "sessionid" in cookies, "login failed"
    return cookies["sessionid"]


@pytest.mark.timeout(60)
async def test_live_daphne_refuses_a_cross_site_handshake_with_403(live_daphne) -> None:
    session = await database_sync_to_async(_session_cookie)(live_daphne)
    cookie = {"Cookie": f"sessionid={session}"}
    url = f"{live_daphne.ws_url}/ws/agent/"

    # The agent's own page: accepted with nothing but the cookie.
    async with websockets.connect(url, origin=f"{live_daphne.url}", additional_headers=cookie, open_timeout=10):
        pass
    # Another site's page, the same cookie riding along: refused at the handshake.
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(url, origin="https://evil.example", additional_headers=cookie, open_timeout=10)
    assert refused.value.response.status_code == 403

    status, started = await database_sync_to_async(http_json)(
        "POST", f"{live_daphne.url}/api/v1/conversations/", {"name": "Origin test"}
    )
    assert status == 201
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(live_daphne.ws_url + started["ws_url"], origin="https://evil.example", open_timeout=10)
    assert refused.value.response.status_code == 403
