"""The rule builder in Chromium, as a supervisor uses it: build a two-condition rule from rows
(one added and removed on the way), read it as a sentence, break it and see the error on the
row in words, dry-run it, and revert a change from the history's diff. The page's own script
runs under the site's CSP, so a violation or a script error fails the test.

The desk is a daphne of its own on a copy of the `live_daphne` database (the demo's rules and
supervisor come with it): the rule made here must not change what other browser tests see.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import chromium
from tests.support.markup_checks import WAIT_MS, assert_inert, expect, new_page
from tests.support.servers import DEMO_PASSWORD, Server, desk_copy

# A daphne of its own and one long walk through the admin: longer than the suite's 120 s.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NAME = "VIP refunds"


@pytest.fixture(scope="module")
def rules_desk(live_daphne, artifacts: Path) -> Iterator[Server]:
    with desk_copy(live_daphne, artifacts, "rules") as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with chromium() as launched:
        yield launched


def test_a_supervisor_builds_breaks_dry_runs_and_reverts_a_rule(rules_desk: Server, browser) -> None:
    context, page, seen = new_page(browser)
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{rules_desk.url}/login/?next=/admin/routing/rule/add/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/admin/routing/rule/add/$"))

    # --- Build: two conditions (a third added, then removed), one action. --------------------
    page.fill("#id_name", NAME)
    page.fill("#id_order", "5")
    when = page.locator('[data-rule-rows="when"]')
    rows = when.locator("[data-rows] > [data-row]")
    expect(rows).to_have_count(1)
    page.select_option("#id_when-0-type", "tier_in")
    # Only the fields a tier check takes are shown.
    expect(page.locator("#id_when-0-tiers_1")).to_be_visible()
    expect(page.locator("#id_when-0-value")).to_be_hidden()
    expect(page.locator("#id_when-0-words")).to_be_hidden()
    page.check('input[name="when-0-tiers"][value="vip"]')
    page.check('input[name="when-0-tiers"][value="enterprise"]')
    when.get_by_role("button", name="Add a condition").click()
    page.select_option("#id_when-1-type", "sentiment_below")
    expect(page.locator("#id_when-1-value")).to_be_visible()
    when.get_by_role("button", name="Add a condition").click()
    page.select_option("#id_when-2-type", "text_contains")
    page.fill("#id_when-2-words", "refund")
    # The middle row goes; the last moves up and is "Condition 2" now.
    when.get_by_role("button", name="Remove Condition 2").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator("[data-row-label]")).to_have_text("Condition 2")
    expect(page.locator("#id_when-1-type")).to_have_value("text_contains")
    expect(page.locator("#id_when-1-words")).to_have_value("refund")
    expect(page.locator('input[name="when-TOTAL_FORMS"]')).to_have_value("2")

    then = page.locator('[data-rule-rows="then"]')
    page.select_option("#id_then-0-type", "set_priority")
    expect(page.locator("#id_then-0-priority")).to_be_visible()
    expect(page.locator("#id_then-0-queue")).to_be_hidden()
    expect(page.locator("#id_then-0-tag")).to_be_hidden()
    page.select_option("#id_then-0-priority", "high")
    # The sentence follows the rows as they are edited, before anything is saved.
    expect(page.locator("#rule-sentence")).to_have_text(
        "When the customer is VIP or enterprise and the message contains “refund” → set priority high"
    )
    assert_inert(page, seen)
    page.click('input[name="_save"]')
    page.wait_for_url(re.compile(r".*/admin/routing/rule/$"))

    # --- It reads as a sentence, in the list and on its page. --------------------------------
    sentence = "When the customer is VIP or enterprise and the message contains “refund” → set priority high"
    row = page.locator("#result_list tr", has_text=NAME)
    expect(row).to_contain_text(sentence)
    row.get_by_role("link", name=NAME).click()
    expect(page.locator("#rule-sentence")).to_have_text(sentence)
    change_url = page.url

    # --- Broken: a handoff without its queue. The error is on that row, in words, once. ------
    page.select_option("#id_then-0-type", "handoff")
    expect(page.locator("#id_then-0-queue")).to_be_visible()
    page.select_option("#id_then-0-trigger", "customer_tier")
    page.click('input[name="_save"]')
    action = then.locator("[data-rows] > [data-row]").first
    expect(action.locator(".errorlist")).to_have_text("Action 1: choose a queue")
    expect(page.get_by_text("choose a queue")).to_have_count(1)
    expect(page.locator("#content")).not_to_contain_text("actions[0]")
    # The rows come back as posted (the priority kept: a handoff takes one too), so the
    # supervisor fixes the one field.
    expect(page.locator("#id_then-0-trigger")).to_have_value("customer_tier")
    page.select_option("#id_then-0-queue", "Billing")
    expect(page.locator("#rule-sentence")).to_contain_text("→ hand over to Billing")
    page.click('input[name="_save"]')
    page.wait_for_url(re.compile(r".*/admin/routing/rule/$"))
    handed = "When the customer is VIP or enterprise and the message contains “refund” → hand over to Billing"
    expect(page.locator("#result_list tr", has_text=NAME)).to_contain_text(handed)

    # --- Dry run: the rule matches a VIP asking for a refund. --------------------------------
    page.goto(f"{rules_desk.url}/admin/routing/rule/dry-run/")
    page.fill("#id_message", "I want a refund for my last order")
    page.select_option("#id_tier", "vip")
    page.click('input[type="submit"][value="Run"]')
    expect(page.locator("tr", has_text=NAME).first.locator("td").nth(1)).to_have_text("yes")

    # --- History: the change reads as a diff and reverts from there. -------------------------
    page.goto(change_url)
    page.get_by_role("link", name="Versions and diffs").click()
    kind = page.locator("td.field-kind", has_text=re.compile(r"^changed$"))
    page.locator("#result_list tbody tr", has=kind).get_by_role("link").first.click()
    diff = page.locator(".rb-diff-table")
    expect(diff.locator(".rb-diff-removed")).to_have_text(["− set priority high"])
    expect(diff.locator(".rb-diff-added")).to_have_text(["+ hand over to Billing (customer tier), priority high"])
    expect(diff.locator("th")).to_have_text(["Actions"])  # the conditions did not change
    expect(page.locator("#content").get_by_role("link", name=re.compile("Delete"))).to_have_count(0)
    assert_inert(page, seen)
    page.click("#revert-change")
    page.wait_for_url(change_url)
    expect(page.locator("#rule-sentence")).to_have_text(sentence)
    expect(page.locator("#id_then-0-type")).to_have_value("set_priority")
    assert_inert(page, seen)
    context.close()


def test_the_builder_and_the_history_have_no_serious_accessibility_faults(rules_desk: Server, browser) -> None:
    from tests.support.axe import serious_violations  # skips (or fails in CI) without axe-core

    # axe itself applies inline styles as it checks, which the CSP reports: the test above
    # holds the pages to the policy.
    context, page, _ = new_page(browser)
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{rules_desk.url}/login/?next=/admin/routing/rule/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/admin/routing/rule/$"))
    page.locator("#result_list tbody tr th a").first.click()
    expect(page.locator("#rule-sentence")).to_be_visible()
    page.get_by_role("button", name="Add a condition").click()
    assert serious_violations(page) == []
    page.goto(f"{rules_desk.url}/admin/routing/rulechange/")
    page.locator("#result_list tbody tr th a").first.click()
    expect(page.locator(".rb-diff-table")).to_be_visible()
    assert serious_violations(page) == []
    context.close()
