"""SLA in a real browser: time left on the inbox row and in the ticket bar, the At risk view
filling as the clock moves (set, never slept) and the sweep runs."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from crowdcare import clock
from crowdcare.automation.sweep import run_due

from .test_console import sign_in

pytestmark = pytest.mark.e2e


def test_at_risk_view_and_time_left(playwright_browser, live, cli, tmp_path):
    from playwright.sync_api import expect

    cli.json("sla", "add", "Chat", "--first-reply", "60:calendar", "--resolution",
             "1440:calendar")
    context = playwright_browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live.base, live.agent_email)
        live.customer.say("Hi, where is my order? It was due on Monday and I need it by Friday.")
        row = page.locator("#rows .row", has_text="where is my order")
        expect(row).to_be_visible()
        page.reload()
        expect(row.locator(".sla.sla-active")).to_have_text(re.compile(r"^(1h 0m|59m) left$"))
        expect(page.locator(".views a[data-view='at_risk'] .count")).to_have_text("0")
        page.goto(f"{live.base}/inbox?view=at_risk")   # nothing at risk yet: the view is empty
        expect(page.locator("#rows .row")).to_have_count(0)

        clock.travel(timedelta(minutes=50))          # past 75 % of the hour
        run_due()   # (the server's own sweep may get there first: the page says what happened)
        page.goto(f"{live.base}/inbox?view=at_risk")
        expect(page.locator(".views a[data-view='at_risk'].active .count")).to_have_text("1")
        at_risk = page.locator("#rows .row", has_text="where is my order")
        expect(at_risk.locator(".sla.sla-at_risk")).to_have_text(re.compile(r"^(10|9)m left$"))
        page.screenshot(path=str(tmp_path / "at-risk.png"))

        at_risk.locator("a.who").click()
        page.wait_for_url(re.compile(r"/c/\d+$"))
        first = page.locator("#ticket-sla .sla[data-target='first_reply']")
        expect(first).to_have_class(re.compile(r"sla-at_risk"))
        expect(first).to_have_text(re.compile(r"^First reply: (10|9)m left$"))
        expect(page.locator("#ticket-sla .sla[data-target='resolution']")).to_have_text(
            re.compile(r"^Resolution: 2[23]h \d+m left$"))

        clock.travel(timedelta(minutes=15))          # past the hour: breached
        run_due()
        page.reload()
        expect(first).to_have_class(re.compile(r"sla-breached"))
        expect(first).to_have_text(re.compile(r"^First reply: overdue [45]m$"))
        page.goto(f"{live.base}/inbox?view=at_risk")  # breached ones stay in the view, first
        expect(page.locator("#rows .row .sla.sla-breached")).to_have_count(1)
        page.screenshot(path=str(tmp_path / "breached.png"))
    finally:
        clock.reset()
        context.close()


def test_time_left_ticks_in_the_browser_between_live_events(playwright_browser, live, cli):
    """The page carries the due time (data-due) and the server's now (data-now); the console
    counts down every 30 s on its own, and turns breached when the due time passes. The
    browser's clock is moved (Playwright's page.clock), the server's is not: no server event
    or reload changes the text."""
    from playwright.sync_api import expect

    cli.json("sla", "add", "Chat", "--first-reply", "60:calendar")
    context = playwright_browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.clock.install()
        sign_in(page, live.base, live.agent_email)
        live.customer.say("Hello, my parcel NW-1001 never arrived, can you check?")
        row = page.locator("#rows .row", has_text="never arrived")
        expect(row).to_be_visible()
        page.reload()
        chip = row.locator(".sla")
        expect(chip).to_have_text(re.compile(r"^(1h 0m|59m) left$"))
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", chip.get_attribute("data-due"))
        page.clock.fast_forward("20:00")
        expect(chip).to_have_text(re.compile(r"^(40|39)m left$"))
        expect(chip).to_have_class(re.compile(r"sla-active"))

        row.locator("a.who").click()
        page.wait_for_url(re.compile(r"/c/\d+$"))
        first = page.locator("#ticket-sla .sla[data-target='first_reply']")
        # a new page counts from the server's now again (the server's clock has not moved)
        expect(first).to_have_text(re.compile(r"^First reply: (1h 0m|59m) left$"))
        page.clock.fast_forward("50:00")
        expect(first).to_have_text(re.compile(r"^First reply: (10|9)m left$"))
        page.clock.fast_forward("12:00")       # past due in the browser: overdue, breached
        expect(first).to_have_text(re.compile(r"^First reply: overdue [123]m$"))
        expect(first).to_have_class(re.compile(r"sla-breached"))
    finally:
        clock.reset()
        context.close()
