"""Rules and assignment in a real browser: an admin adds a round-robin rule and sets an
agent's capacity and skills; the next request is assigned and the ticket bar says why; the
agent goes away from the top bar's switch (data-autosubmit under the strict CSP)."""
from __future__ import annotations

import re

import pytest

from .test_console import sign_in

pytestmark = pytest.mark.e2e


def test_an_admin_sets_up_round_robin_and_the_ticket_says_why(playwright_browser, live):
    from playwright.sync_api import expect

    context = playwright_browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live.base, live.admin_email)

    page.goto(f"{live.base}/admin/rules")
    form = page.locator("form[action='/admin/rules']")
    form.locator("input[name=name]").fill("Requests to Tier 1")
    form.locator("select[name=event]").select_option("ticket.created")
    form.locator("textarea[name=when]").fill('{"service_related": true}')
    form.locator("textarea[name=then]").fill('{"team": "Tier 1", "assign": "round_robin"}')
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("Rule 'Requests to Tier 1' added")
    expect(page.locator("table.grid")).to_contain_text("ticket.created")

    page.goto(f"{live.base}/admin/agents")
    row = page.locator("tr[id^=agent-]", has_text="ana@acme-apparel.test")
    row.locator("summary").click()
    routing = row.locator("form.edit-routing")
    routing.locator("input[name=capacity]").fill("2")
    routing.locator("input[name=languages]").fill("en")
    routing.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("assignment settings saved")
    expect(page.locator("tr[id^=agent-]", has_text="ana@acme-apparel.test")).to_contain_text(
        "0/2 open")

    live.customer.say("Where is my order? It has not arrived yet")
    page.goto(f"{live.base}/inbox")
    conversation = page.locator("#rows .row", has_text="has not arrived")
    expect(conversation).to_be_visible(timeout=30_000)   # the worker, on a loaded machine
    conversation.locator("a.who").click()
    page.wait_for_url(re.compile(r"/c/\d+$"))
    expect(page.locator("#assignment-why")).to_have_text(
        "Why ana: round robin in Tier 1: ana at 1/2, speaks en")

    page.select_option("#availability select[name=availability]", "away")   # data-autosubmit
    expect(page.locator(".flash")).to_contain_text("You are away.")
    expect(page.locator("#availability select[name=availability]")).to_have_value("away")
    context.close()
