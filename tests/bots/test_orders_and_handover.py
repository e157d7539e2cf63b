"""Order status without an agent (own orders only; which one, when several), and the
handover protocol: the bot answers only while crowdcare owns the thread and passes it on."""
import time

from crowdcare.store import models as m
from messenger.conftest import APP_ID
from messenger.helpers import body, customer, event, rows
from support.fixtures import drain

PAGE_INBOX = "263902037430900"
ITEMS = [{"title": "Linen shirt", "unit_price": 49.0}]


def last_text(page) -> str:
    return page.requests("/me/messages")[-1]["body"]["message"]["text"]


def customer_id(client, page, psid: str) -> int:
    items = client.get("/api/v1/customers", headers=page.ws.agent).json()["items"]
    return next(c["id"] for c in items
                if any(i["external_id"] == psid for i in c["identities"]))


def order(client, page, cust: int, number: str, shipped: bool = False) -> dict:
    r = client.post("/api/v1/orders", json={"customer_id": cust, "number": number,
                                            "items": ITEMS}, headers=page.ws.agent)
    assert r.status_code == 201, r.text
    if shipped:
        client.post(f"/api/v1/orders/{r.json()['id']}/shipping-events", json={
            "status": "in_transit", "carrier": "UPS", "tracking_number": "1Z777",
            "location": "Oakland, CA"}, headers=page.ws.agent)
    return r.json()


def test_order_status_for_the_customers_own_order_and_never_someone_elses(client, bot_page):
    customer(bot_page, "message", psid="psid-1", text="where is my order?")
    customer(bot_page, "message", psid="psid-2", text="hello, I have a question")
    drain()
    assert "What's the order number?" in last_text(bot_page) or \
        "can't see any orders" in bot_page.requests("/me/messages")[0]["body"]["message"]["text"]
    mine = order(client, bot_page, customer_id(client, bot_page, "psid-1"), "NW-2001",
                 shipped=True)
    order(client, bot_page, customer_id(client, bot_page, "psid-2"), "NW-3001", shipped=True)
    drain()
    bot_page.fake.requests.clear()
    customer(bot_page, "message", psid="psid-1", text="it's NW-2001")
    drain()
    answer = last_text(bot_page)
    assert "Order NW-2001" in answer and "shipped" in answer
    assert "Oakland, CA" in answer and "UPS tracking number: 1Z777" in answer
    [turn] = rows(m.BotTurn, m.BotTurn.kind == "order")
    assert "NW-2001" in turn.reasons[0]
    [row] = rows(m.Message, m.Message.author == "bot", m.Message.order_id == mine["id"])
    assert row.status == "sent"
    # someone else's order: the same answer as for a number that does not exist
    customer(bot_page, "message", psid="psid-1", text="and where is order NW-3001?")
    drain()
    refused = last_text(bot_page)
    assert "can't find an order NW-3001 on your account" in refused
    assert "1Z777" not in refused and "shipped" not in refused
    customer(bot_page, "message", psid="psid-1", text="where is order NW-9999?")
    drain()
    assert last_text(bot_page) == refused.replace("NW-3001", "NW-9999")


def test_several_orders_the_bot_asks_which(client, bot_page):
    customer(bot_page, "message", psid="psid-1", text="hello")
    drain()
    cust = customer_id(client, bot_page, "psid-1")
    order(client, bot_page, cust, "NW-2001")
    order(client, bot_page, cust, "NW-2002", shipped=True)
    bot_page.fake.requests.clear()
    customer(bot_page, "message", psid="psid-1", text="where is my order? it hasn't arrived")
    drain()
    asked = bot_page.requests("/me/messages")[-1]["body"]["message"]
    assert "Which order do you mean?" in asked["text"]   # the greeting opened no ticket
    assert {q["payload"] for q in asked["quick_replies"]} == {"BOT_ORDER:NW-2001",
                                                              "BOT_ORDER:NW-2002"}
    customer(bot_page, "message", psid="psid-1", text="NW-2002", quick_reply="BOT_ORDER:NW-2002")
    drain()
    assert "Order NW-2002" in last_text(bot_page) and "1Z777" in last_text(bot_page)


def test_the_bot_is_silent_while_another_app_owns_the_thread(client, bot_page):
    bot_page.post(client, body(event("psid-1", {"pass_thread_control": {
        "new_owner_app_id": PAGE_INBOX, "previous_owner_app_id": APP_ID}})))
    drain()
    now = int(time.time() * 1000)
    bot_page.post(client, {"object": "page", "entry": [{"id": "1", "time": 1, "standby": [event(
        "psid-1", {"message": {"mid": "m_sb", "text": "How do I return an item?"}}, ts=now)]}]})
    bot_page.post(client, body(event("psid-1", {"message": {
        "mid": "m_own", "text": "How do I return an item?"}}, ts=now + 1)))
    drain()
    assert bot_page.requests("/me/messages") == []        # nothing said
    assert rows(m.BotTurn, m.BotTurn.kind == "answer") == []
    [handoff] = rows(m.BotTurn, m.BotTurn.kind == "handoff")
    assert "may not send here" in handoff.reasons[0]


def test_handoff_passes_the_thread_after_telling_the_customer(client, bot_page):
    r = client.put("/api/v1/bot/settings", json={"handoff_app_id": PAGE_INBOX},
                   headers=bot_page.ws.admin)
    assert r.status_code == 200 and r.json()["handoff_app_id"] == PAGE_INBOX
    customer(bot_page, "message", psid="psid-1", text="I need a human please")
    drain()
    told, passed = bot_page.requests()[-2:]
    assert told["endpoint"] == "/me/messages" and "a person will answer" in \
        told["body"]["message"]["text"]
    assert passed["endpoint"] == "/me/pass_thread_control"
    assert passed["body"]["target_app_id"] == PAGE_INBOX
    conv = client.get("/api/v1/conversations", headers=bot_page.ws.agent).json()["items"][0]
    assert conv["thread_owner_app_id"] == PAGE_INBOX and conv["route"] == "tier1"
