"""axe-core, the accessibility checker, run inside a Playwright page.

axe-core comes from the npm registry at test time, into test-artifacts/npm (ignored by git,
removed by `make clean`): installed once, when its script is missing. Without npm, or when
the install fails, a developer's run skips; in CI (CI=1) it fails, like a missing Chromium
(tests/support/services.py), and .ci/run makes sure npm is there.

The script is evaluated through the DevTools protocol (`page.evaluate`), not added as a
<script> tag: the site's Content-Security-Policy allows only its own script files, and the
check must see the page under the policy it really has.

    from tests.support.axe import serious_violations

    page.goto(url)
    assert serious_violations(page) == []
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from typing import Any

import pytest

from tests.support.servers import ROOT

AXE_SPEC = "axe-core@4"
NPM_PREFIX = ROOT / "test-artifacts" / "npm"
AXE_JS = NPM_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def _unavailable(why: str) -> None:
    message = f"axe-core is unavailable ({why}); the accessibility checks need it"
    if os.environ.get("CI"):
        pytest.fail(message + " — and in CI they never skip", pytrace=False)
    pytest.skip(message)


def axe_path() -> str:
    """axe.min.js, installed from the npm registry when missing (a few seconds, once)."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is not installed")
        NPM_PREFIX.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(NPM_PREFIX), AXE_SPEC],
            capture_output=True,
            text=True,
            timeout=180,
        )
        if done.returncode != 0 or not AXE_JS.exists():
            _unavailable(f"npm install {AXE_SPEC} failed: {(done.stderr or done.stdout).strip()[-500:]}")
    return str(AXE_JS)


@functools.cache
def _axe_source() -> str:
    return open(axe_path(), encoding="utf-8").read()


def axe_results(page, *, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """axe's full result object for the page as it is now (all of axe's default rules)."""
    # Colours read halfway through a transition are neither the old nor the new ones: wait for
    # the finite animations to end (a queued chat's pulsing dot never does, and is not waited for).
    page.wait_for_function(
        """() => document.getAnimations().every(
             a => a.playState !== 'running' || a.effect.getComputedTiming().iterations === Infinity)""",
        timeout=5000,
    )
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return page.evaluate("options => window.axe.run(document, options)", options or {"resultTypes": ["violations"]})


def describe(violation: dict[str, Any]) -> str:
    """One violation in a line a person can act on: rule, impact, where, what to fix."""
    nodes = violation.get("nodes", [])
    targets = [" ".join(str(part) for part in node.get("target", [])) for node in nodes]
    shown = ", ".join(targets[:5]) + (f" and {len(targets) - 5} more" if len(targets) > 5 else "")
    summary = " ".join((nodes[0].get("failureSummary") or "").split()) if nodes else ""
    return (
        f"{violation['id']} ({violation.get('impact')}): {violation.get('help')} — "
        f"{len(nodes)} element(s): {shown}. {summary} [{violation.get('helpUrl', '')}]"
    )


def serious_violations(page) -> list[str]:
    """The page's serious and critical accessibility violations, one readable line each."""
    violations = axe_results(page)["violations"]
    return [describe(v) for v in violations if v.get("impact") in SERIOUS]
