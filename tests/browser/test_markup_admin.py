"""Markup is text in the supervisor's pages: the Django admin (rules, dry run, rule history,
articles and versions, customers, conversations, audit log, ...) and the analytics, proven in
Chromium on the hostile desk (tests/browser/test_markup_is_text.py says how; the checks are in
tests/support/markup_checks.py).
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.support import hostile_desk as h
from tests.support.markup_checks import Desk, assert_inert, new_page, shows

pytestmark = [pytest.mark.browser]


# --- Django admin ----------------------------------------------------------------------------


def test_admin_shows_every_payload_as_text(desk: Desk, chromium, supervisor_state: dict) -> None:
    context, page, seen = new_page(chromium, state=supervisor_state)
    ids = desk.ids
    pages = {
        "/admin/routing/rule/": [h.RULE_NAME, h.IMG, h.SCRIPT, h.RULE_NOTICE],
        "/admin/routing/rulechange/": [h.RULE_NAME],
        f"/admin/routing/rulechange/{ids['rule_change']}/change/": [h.RULE_NAME, h.RULE_DESCRIPTION],
        "/admin/helpdesk/article/": [h.ARTICLE_TITLE, h.SHIPPING_TITLE],
        f"/admin/helpdesk/article/{ids['article']}/change/": [h.OLD_TITLE, h.OLD_BODY, h.ARTICLE_TITLE],
        "/admin/helpdesk/customer/": [h.CUSTOMER_NAME],
        "/admin/helpdesk/conversation/": [h.CUSTOMER_NAME, h.QUEUE, h.INTENT, h.TRIGGER],
        f"/admin/helpdesk/conversation/{ids['waiting']}/change/": [
            h.SUMMARY,
            h.JS_URL,
            h.IMG,
            h.LONG,
            h.NOTE,
            h.AGENT_NAME,
            h.TRIGGER,
        ],
        "/admin/helpdesk/queue/": [h.QUEUE],
        "/admin/helpdesk/agentprofile/": [h.AGENT_NAME],
        "/admin/helpdesk/cannedreply/": [h.CANNED_TITLE],
        "/admin/helpdesk/knowledgegap/": [h.GAP],
        "/admin/helpdesk/botrating/": [h.INTENT],
        "/admin/helpdesk/order/": [h.CARRIER],
        "/admin/bots/messageprediction/": [h.INTENT],
    }
    if ids.get("audit_entry"):  # the audit log, where this build has one
        pages["/admin/helpdesk/auditentry/"] = [h.ARTICLE_TITLE]
        pages[f"/admin/helpdesk/auditentry/{ids['audit_entry']}/change/"] = [
            h.ARTICLE_TITLE,
            h.OLD_TITLE,
            h.RULE_NOTICE,
        ]
    for path, texts in pages.items():
        answer = page.goto(f"{desk.url}{path}")
        assert answer is not None and answer.status == 200, path
        shows(page.locator("#content"), *texts)
        assert_inert(page, seen)

    # Form fields hold the payloads as values, not markup.
    page.goto(f"{desk.url}/admin/routing/rule/{ids['rule']}/change/")
    expect(page.locator("#id_name")).to_have_value(h.RULE_NAME)
    expect(page.locator("#id_description")).to_have_value(h.RULE_DESCRIPTION)
    assert json.loads(page.locator("#id_conditions").input_value()) == h.RULE["conditions"]
    assert json.loads(page.locator("#id_actions").input_value()) == h.RULE["actions"]
    assert_inert(page, seen)
    page.goto(f"{desk.url}/admin/helpdesk/customer/{ids['customer']}/change/")
    expect(page.locator("#id_name")).to_have_value(h.CUSTOMER_NAME)
    assert_inert(page, seen)
    page.goto(f"{desk.url}/admin/helpdesk/article/{ids['article']}/change/")
    expect(page.locator("#id_title")).to_have_value(h.ARTICLE_TITLE)
    expect(page.locator("#id_body")).to_have_value(h.ARTICLE_BODY)
    assert_inert(page, seen)

    # A customer admin action's confirmation page names the customer (nothing is confirmed).
    page.goto(f"{desk.url}/admin/helpdesk/customer/")
    if page.locator("select[name=action] option[value=erase_personal_data]").count():
        page.check(f"input[name=_selected_action][value='{ids['customer']}']")
        page.select_option("select[name=action]", "erase_personal_data")
        page.click("button[name=index]")
        shows(page.locator("#content"), h.CUSTOMER_NAME)
        assert_inert(page, seen)

    # The dry run: the hostile rule matches a hostile message and says why, as text.
    page.goto(f"{desk.url}/admin/routing/rule/dry-run/")
    page.fill("#id_message", f"{h.IMG} where is my parcel")
    page.click("input[type=submit][value=Run]")
    trace = page.locator("#content table", has_text=h.RULE_NAME)
    shows(trace, h.RULE_NAME, f"text contains '{h.IMG}'", f"page URL contains '{h.JS_URL}'")
    shows(page.locator("#content"), f"{h.IMG} where is my parcel")
    assert_inert(page, seen)
    context.close()


# --- analytics -------------------------------------------------------------------------------


def test_analytics_shows_every_payload_as_text(desk: Desk, chromium, supervisor_state: dict) -> None:
    context, page, seen = new_page(chromium, state=supervisor_state)
    page.goto(f"{desk.url}/analytics/")
    main = page.locator("main")
    shows(main.locator("table.data").first, h.INTENT)
    shows(main, h.TRIGGER)
    # The SVG bar chart's label and tooltip are text nodes inside <text> and <title>.
    labels = page.locator("svg.chart text.chart-label", has_text=h.TRIGGER)
    expect(labels).to_have_count(1)
    assert page.locator("svg.chart").count() >= 1
    assert_inert(page, seen)
    page.goto(f"{desk.url}/analytics/weekly/")
    shows(page.locator("main"), h.INTENT, h.TRIGGER)
    assert_inert(page, seen)
    context.close()
