"""The agent's day in a real browser: an escalation that holds until an agent clears it,
replies that reach the shop's chat and come back read on Messenger, a customer linked by the
order number they gave, a cursor that stays on its conversation while messages arrive, slash
commands for canned responses, a failed message retried."""
from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from .conftest import ApiChannelCustomer, wait_sent
from .test_console import sign_in

pytestmark = pytest.mark.e2e
LAWYER = "I'm done with you. Cancel my account, I'm taking this to my lawyer."


@pytest.fixture
def page(playwright_browser, day):
    context = playwright_browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, day.base, day.agent_email)
    yield page
    context.close()


def open_conversation(page, text: str) -> None:
    from playwright.sync_api import expect

    row = page.locator("#rows .row", has_text=text)
    page.wait_for_function("""text => !document.getElementById('new-activity').hidden ||
        [...document.querySelectorAll('#rows .row')].some(r => r.textContent.includes(text))""",
                           arg=text)
    if not row.is_visible():   # rows on screen stay put: new ones wait behind the bar
        page.click("#show-activity")
    row.locator("a.who").click()
    page.wait_for_url(re.compile(r"/c/\d+$"))
    expect(page.locator("body[data-live='1']")).to_have_count(1)


def test_an_escalation_survives_the_next_message_until_an_agent_clears_it(page, day):
    from playwright.sync_api import expect

    day.shop.say(LAWYER)
    open_conversation(page, "lawyer")
    expect(page.locator("#ticket-route")).to_have_text("escalation")
    expect(page.locator("#panel-route")).to_contain_text("holds until an agent clears it")
    day.shop.say("Any news on my order? Still waiting.")
    expect(page.locator("#timeline .msg.inbound")).to_have_count(2)
    expect(page.locator("#priority-source")).to_contain_text("2 unanswered")   # live
    expect(page.locator("#ticket-route")).to_have_text("escalation")
    page.goto(f"{day.base}/inbox?view=escalations")
    expect(page.locator("#rows .row")).to_have_count(1)
    page.locator("#rows .row a.who").click()
    page.click("#clear-escalation")
    expect(page.locator("#flash")).to_contain_text("Escalation cleared")
    expect(page.locator("#ticket-route")).not_to_have_text("escalation")
    expect(page.locator("#panel-route")).to_contain_text("escalation cleared by")
    page.goto(f"{day.base}/inbox?view=escalations")
    expect(page.locator("#rows .row")).to_have_count(0)


def test_replies_reach_the_shops_chat_and_come_back_read_on_messenger(page, day):
    from playwright.sync_api import expect

    day.shop.say("Do you ship to Canada?")
    open_conversation(page, "Canada")
    expect(page.locator("#gate")).to_contain_text("You can reply now")
    page.fill("#reply-text", "Yes, in 5 to 8 days.")
    page.click("#send")
    assert wait_sent(day.shop, 1) == ["Yes, in 5 to 8 days."]   # the receiver acknowledged
    expect(page.locator("#timeline .msg.outbound .state")).to_have_text("sent")

    page.goto(f"{day.base}/inbox")
    day.messenger.say("Can I change the size of my order?")
    open_conversation(page, "change the size")
    page.fill("#reply-text", "Of course: which size?")
    page.click("#send")
    wait_sent(day.messenger, 1)
    out = page.locator("#timeline .msg.outbound")
    expect(out.locator(".state")).to_have_text("read")   # sent → delivered → read, live
    expect(out.locator(".trail i.on")).to_have_count(3)


def test_a_customer_who_gives_an_order_number_is_linked_when_the_agent_confirms(page, day):
    from playwright.sync_api import expect

    day.store_customer("Maya Chen", "maya.chen@mail.example", "NW-1001")
    visitor = ApiChannelCustomer(day.base, day.ws, day.receiver, customer_id="web-visitor",
                                 name="Guest 4411")
    visitor.say("Hi, my order NW1001 never came. Can you check?")
    open_conversation(page, "never came")
    panel = page.locator("#customer-panel")
    expect(panel).to_contain_text("No orders.")
    expect(page.locator("#timeline a.order-link")).to_have_text("NW1001")
    suggestion = page.locator("#link-suggestions")
    expect(suggestion).to_contain_text("Maya Chen")
    expect(suggestion).to_contain_text("gave order NW-1001")
    suggestion.locator("button.link-customer").click()
    expect(page.locator("#flash")).to_contain_text("Linked to Maya Chen")
    expect(page.locator("#customer-panel .order")).to_contain_text("NW-1001")
    expect(page.locator("#customer-panel")).to_contain_text("maya.chen@mail.example")
    page.locator("#timeline a.order-link").click()   # the order opens in the panel
    expect(page.locator("#customer-panel details.order[open]")).to_contain_text("Denim jacket")


def test_the_cursor_stays_on_its_conversation_while_messages_arrive(page, day):
    from playwright.sync_api import expect

    people = [ApiChannelCustomer(day.base, day.ws, day.receiver, customer_id=f"c-{i}",
                                 name=name) for i, name in enumerate(
        ["Ana Lima", "Ben Okafor", "Chloe Dubois", "Dev Rao"])]
    for who in people:
        who.say("Do you have the linen shirt in blue?")
    deadline = time.monotonic() + 10   # the workers have stored all four
    while httpx.get(f"{day.base}/api/v1/conversations", headers=day.ws.agent).json()["total"] < 4:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    page.goto(f"{day.base}/inbox")
    rows = page.locator("#rows .row")
    expect(rows).to_have_count(4)
    page.locator("body").press("j")
    page.locator("body").press("j")
    chosen = rows.nth(1).get_attribute("data-id")
    expect(page.locator("#rows .row.selected")).to_have_attribute("data-id", chosen)
    order = [r.get_attribute("data-id") for r in rows.all()]
    # the last row's customer gets angry (it would jump to the top); someone new writes
    last = next(p for p in people if p.name in rows.nth(3).inner_text())
    last.say(LAWYER)
    ApiChannelCustomer(day.base, day.ws, day.receiver, customer_id="c-new",
                       name="Eve New").say("Where is my parcel?")
    bar = page.locator("#new-activity")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("1 new")
    expect(rows.nth(3)).to_contain_text("lawyer")          # updated where it is
    assert [r.get_attribute("data-id") for r in rows.all()] == order
    expect(page.locator("#rows .row.selected")).to_have_attribute("data-id", chosen)
    page.locator("body").press(".")                         # show: re-sorted, same cursor
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("lawyer")
    expect(page.locator("#rows .row.selected")).to_have_attribute("data-id", chosen)
    expect(bar).to_be_hidden()
    page.locator("body").press("j")
    assert page.locator("#rows .row.selected").get_attribute("data-id") != chosen
    page.locator("body").press("?")
    expect(page.locator("#keys-sheet")).to_be_visible()
    page.locator("body").press("Escape")
    expect(page.locator("#keys-sheet")).to_be_hidden()


def test_slash_commands_complete_canned_responses_and_ask_for_what_they_lack(page, day):
    from playwright.sync_api import expect

    day.shop.say("Can I return a jacket I bought last week?")
    open_conversation(page, "return a jacket")
    box = page.locator("#reply-text")
    box.click()
    page.keyboard.type("/ret")
    menu = page.locator("#slash-menu")
    expect(menu).to_be_visible()
    expect(menu.locator(".slash-item").first).to_contain_text("/returns")
    page.keyboard.press("Tab")
    expect(box).to_have_value("Hi Maya, you can return any unworn item within 30 days.")
    expect(menu).to_be_hidden()
    # a variable the conversation cannot fill is asked for, and Send waits for it
    box.fill("")
    page.keyboard.type("/where")
    page.keyboard.press("Enter")
    expect(box).to_have_value("Order {{order.number}} left our warehouse today.")
    expect(page.locator("#send")).to_be_disabled()
    ask = page.locator("#fill-in input[data-variable='order.number']")
    ask.fill("NW-1042")
    ask.press("Enter")
    expect(box).to_have_value("Order NW-1042 left our warehouse today.")
    expect(page.locator("#send")).to_be_enabled()
    page.click("#send")
    assert wait_sent(day.shop, 1) == ["Order NW-1042 left our warehouse today."]


def test_a_failed_message_is_retried(page, day):
    from playwright.sync_api import expect

    day.shop.say("Where is my order?")
    open_conversation(page, "Where is my order")
    day.receiver.fail_next = [400]   # the shop's chat refuses it once: a permanent failure
    page.fill("#reply-text", "It left today.")
    page.click("#send")
    out = page.locator("#timeline .msg.outbound")
    expect(out.locator(".state")).to_have_text("failed")
    expect(out.locator(".why")).to_contain_text("HTTP 400")
    out.locator("button.retry").click()
    expect(out.locator(".state")).to_have_text("sent")
    assert [json.loads(c["body"])["text"] for c in day.receiver.received] == [
        "It left today.", "It left today."]
