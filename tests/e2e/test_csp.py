"""The strict Content Security Policy in a real browser: no page of the console, the admin or
the community portal trips it (a CSP breaks inline scripts and styles silently), what inline
handlers did still works, and a customer's javascript: URL is no link."""
from __future__ import annotations

import re

import pytest

from .conftest import PASSWORD
from .test_console import sign_in

pytestmark = pytest.mark.e2e
WATCH = """() => { window.__csp = window.__csp || [];
  document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI)); }"""


def test_console_pages_run_under_the_csp(playwright_browser, live):
    from playwright.sync_api import expect

    context = playwright_browser.new_context(viewport={"width": 1280, "height": 800})
    violations: list[str] = []
    context.add_init_script(f"({WATCH})()")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    sign_in(page, live.base, live.admin_email)
    live.customer.say("My app crashes at checkout, I am furious, see javascript:alert(1)")
    row = page.locator("#rows .row", has_text="crashes at checkout")
    expect(row).to_be_visible()
    row.locator("a.who").click()
    page.wait_for_url(re.compile(r"/c/\d+$"))
    expect(page.locator("#triage-panel")).to_contain_text("priority")
    bar = page.locator("#triage-panel .bar").first   # its width came from data-width
    assert bar.evaluate("el => el.style.width").endswith("px")
    assert page.locator("a[href^='javascript:']").count() == 0
    page.select_option("#ticket-bar select[name=status]", "pending")   # data-autosubmit
    expect(page.locator("#ticket-bar select[name=status]")).to_have_value("pending")
    seen = list(page.evaluate("window.__csp"))
    for path in ("/inbox", "/admin/channels", "/admin/agents", "/admin/rules", "/admin/triage",
                 "/review", "/kb"):
        page.goto(f"{live.base}{path}")
        page.wait_for_load_state("networkidle")
        seen += page.evaluate("window.__csp")
    page.goto(f"{live.base}/admin/channels")   # data-confirm asks before deleting a channel
    page.once("dialog", lambda dialog: dialog.dismiss())
    before = page.locator("form[data-confirm]").count()
    page.locator("form[data-confirm] button").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("form[data-confirm]").count() == before   # dismissed: nothing deleted
    assert seen == [] and violations == [], seen + violations
    context.close()


def test_the_community_portal_runs_under_the_csp(playwright_browser, live, cli):
    cli("agent", "add", "sam@acme-apparel.test", "--role", "advocate", "-w", "acme-apparel",
        "--password", PASSWORD)
    context = playwright_browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(f"({WATCH})()")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live.base}/login")
    page.fill("input[name=email]", "sam@acme-apparel.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/community"))
    seen = []
    for path in ("/community", "/community/answers", "/community/leaderboard",
                 "/community/profile"):
        page.goto(f"{live.base}{path}")
        page.wait_for_load_state("networkidle")
        seen += page.evaluate("window.__csp")
    assert page.locator("body[data-page]").count() == 1
    assert seen == [], seen
    context.close()
