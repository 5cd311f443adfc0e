"""Debian's Chromium, driven by Playwright, for the browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.services import require_program

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# One Playwright driver per test process, shared by every browser launched while it runs: a
# second `sync_playwright()` inside a live one fails ("Sync API inside the asyncio loop"), and a
# package-scoped browser (tests/browser/conftest.py) stays open while later modules launch theirs.
_driver = None
_users = 0


@contextmanager
def chromium() -> Iterator:
    """A headless Chromium. A developer's machine may lack it (apt-get install chromium): the
    test skips; CI installs it in .ci/run, and there a missing browser fails the test
    (tests/support/services.require_program)."""
    import playwright.sync_api as playwright_sync

    global _driver, _users
    require_program(CHROMIUM)
    if _driver is None:
        _driver = playwright_sync.sync_playwright().start()
    _users += 1
    try:
        browser = _driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        _users -= 1
        if _users == 0:
            _driver.stop()
            _driver = None
