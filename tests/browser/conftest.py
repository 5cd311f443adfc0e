"""Fixtures of the markup-is-text browser tests: the hostile desk (one daphne on a copy of the
`live_daphne` database, so its demo model and rules come for free), one Chromium, and the
hostile supervisor's signed-in session. Package-scoped: the three markup modules share one
desk and one browser (no module depends on what another adds to the desk, and each also passes
alone, which starts the desk for itself); a desk per module cost half a minute of the suite.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest

from tests.support import hostile_desk as h
from tests.support.browser import chromium
from tests.support.markup_checks import WAIT_MS, Desk
from tests.support.servers import desk_copy, manage


@pytest.fixture(scope="package")
def desk(live_daphne, artifacts: Path) -> Iterator[Desk]:
    ids: dict = {}

    def hostile(env: dict[str, str]) -> None:
        out = manage(env, "shell", "-c", "from tests.support.hostile_desk import main; main()")
        ids.update(json.loads(out.strip().splitlines()[-1]))

    with desk_copy(live_daphne, artifacts, "markup", prepare=hostile) as server:
        yield Desk(server.url, ids)


@pytest.fixture(scope="package", name="chromium")
def chromium_fixture() -> Iterator[playwright_sync.Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="package")
def supervisor_state(desk: Desk, chromium) -> dict:
    """The hostile supervisor's signed-in session, shared by the inbox, admin and analytics."""
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{desk.url}/login/?next=/inbox/")
    page.fill("#id_username", h.SUPERVISOR)
    page.fill("#id_password", h.PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/inbox/$"), timeout=WAIT_MS)
    state = context.storage_state()
    context.close()
    return state
