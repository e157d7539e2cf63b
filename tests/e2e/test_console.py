"""The agent console in a real browser: sign in, a message arrives live, reply with a canned
response (the send reaches the channel), solve, the follow-on ticket shows the journey,
two agents see each other."""
from __future__ import annotations

import re

import pytest

from .conftest import PASSWORD, wait_sent

pytestmark = pytest.mark.e2e


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/inbox")
    assert "/login" in page.url
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/inbox"))


def test_agent_works_a_conversation_live(playwright_browser, live, tmp_path):
    from playwright.sync_api import expect

    context = playwright_browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live.base, live.agent_email)
    expect(page.locator("body[data-live='1']")).to_have_count(1)
    expect(page.locator("#rows .row")).to_have_count(0)

    # a customer writes: the conversation appears without a reload
    live.customer.say("Hi, where is my order? It was due on Monday and I need it for Friday.")
    row = page.locator("#rows .row", has_text="where is my order")
    expect(row).to_be_visible()
    page.screenshot(path=str(tmp_path / "inbox.png"))

    # open it: the policy gate says we may reply, before anyone types
    row.locator("a.who").click()
    page.wait_for_url(re.compile(r"/c/\d+$"))
    expect(page.locator("#gate")).to_contain_text("You can reply now")
    expect(page.locator("#timeline .msg.inbound")).to_have_count(1)
    expect(page.locator("#triage-panel")).to_contain_text("priority")

    # a canned response with variables, sent through the channel
    page.select_option("#canned", label="/where — Where is my order")
    if live.customer.greeting_name is None:   # no name known: the composer asks, never guesses
        expect(page.locator("#send")).to_be_disabled()
        page.fill("#fill-in input[data-variable='customer.first_name']", "Maya")
        page.press("#fill-in input[data-variable='customer.first_name']", "Enter")
    greeting = f"Hi {live.customer.greeting_name or 'Maya'}, your parcel"
    expect(page.locator("#reply-text")).to_have_value(re.compile("^" + greeting))
    page.click("#send")
    outbound = page.locator("#timeline .msg.outbound")
    expect(outbound).to_have_count(1)
    sent = wait_sent(live.customer, 1)   # the channel (fake Graph API / callback) got it
    assert sent[0].startswith(greeting)
    expect(outbound.locator(".state")).to_have_text("sent")   # updated live by the stream

    # solve with the keyboard shortcut
    page.locator("body").press("s")
    expect(page.locator("#ticket-bar .status")).to_have_text("solved")
    first_ticket = page.locator("#ticket-bar .ticket-id").inner_text()

    # the customer comes back: a follow-on ticket, and the journey shows the chain
    live.customer.say("The parcel arrived but the jacket is torn.")
    expect(page.locator("#timeline .msg.inbound")).to_have_count(2)
    expect(page.locator("#ticket-bar")).to_contain_text(f"follows {first_ticket}")
    page.reload()
    journey = page.locator("#journey")
    expect(journey.locator("li")).to_have_count(2)
    expect(journey).to_contain_text(f"follow-on of {first_ticket}")
    page.screenshot(path=str(tmp_path / "conversation.png"), full_page=True)

    # a second agent opens the same conversation: each sees the other, and typing
    other = playwright_browser.new_context(viewport={"width": 1280, "height": 800})
    page2 = other.new_page()
    page2.set_default_timeout(10_000)
    sign_in(page2, live.base, live.admin_email)
    page2.goto(page.url)
    expect(page.locator("#presence")).to_contain_text("is viewing")
    expect(page2.locator("#presence")).to_contain_text("is viewing")
    page2.fill("#reply-text", "Looking into this")
    expect(page.locator("#presence")).to_contain_text("is typing")
    other.close()
    context.close()
