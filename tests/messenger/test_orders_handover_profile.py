"""Order receipts and shipping updates in the thread, the handover protocol round trip, and the
Messenger Profile push."""
import time

from crowdcare.store import models as m
from messenger.conftest import APP_ID
from messenger.helpers import body, event, rows
from messenger.test_send import conversation_with_customer, reply
from support.fixtures import drain

PAGE_INBOX = "263902037430900"
ORDER = {
    "number": "NW-2001", "currency": "EUR", "payment_method": "Visa 4242",
    "items": [{"sku": "SHIRT", "title": "Linen shirt", "quantity": 2, "unit_price": 49.5,
               "image_url": "https://cdn.example/shirt.jpg"},
              {"title": "Beanie", "unit_price": 19}],
    "shipping_cost": 4.95, "tax": 3.1,
    "address": {"street_1": "1 Market St", "city": "Springfield", "postal_code": "12345",
                "state": "CA", "country": "US"},
}


def create_order(client, page, **changes) -> dict:
    customer_id = client.get("/api/v1/customers", headers=page.ws.agent).json()["items"][0]["id"]
    r = client.post("/api/v1/orders", json={**ORDER, "customer_id": customer_id, **changes},
                    headers=page.ws.agent)
    assert r.status_code == 201, r.text
    return r.json()


def test_receipt_carries_every_required_field_and_replies_carry_the_order(client, page):
    conversation_with_customer(client, page)
    order = create_order(client, page)
    drain()
    [req] = page.requests("/me/messages")
    assert req["status"] == 200 and req["body"]["messaging_type"] == "UPDATE"
    receipt = req["body"]["message"]["attachment"]["payload"]
    assert receipt["template_type"] == "receipt"
    assert receipt["order_number"] == "NW-2001" and receipt["currency"] == "EUR"
    assert receipt["payment_method"] == "Visa 4242" and receipt["recipient_name"]
    assert receipt["summary"] == {"subtotal": 118.0, "shipping_cost": 4.95, "total_tax": 3.1,
                                  "total_cost": 126.05}
    assert receipt["address"] == {**ORDER["address"], "street_2": ""}
    assert [(e["title"], e["quantity"], e["price"], e["currency"]) for e in receipt["elements"]] \
        == [("Linen shirt", 2, 99.0, "EUR"), ("Beanie", 1, 19.0, "EUR")]
    assert receipt["elements"][0]["image_url"] == "https://cdn.example/shirt.jpg"
    assert receipt["timestamp"].isdigit()
    [sent] = rows(m.Message, m.Message.direction == "outbound")
    assert sent.purpose == "receipt" and sent.order_id == order["id"] and sent.status == "sent"
    # the customer answers the receipt: the order comes along as context
    page.post(client, body(event("psid-1", {"message": {
        "mid": "m_answer", "text": "One shirt is the wrong size",
        "reply_to": {"mid": sent.external_id}}}, ts=int(time.time() * 1000))))
    drain()
    [answer] = rows(m.Message, m.Message.external_id == "m_answer")
    assert answer.order_id == order["id"]


def test_shipping_updates_are_sent_and_outside_the_window_recorded_as_blocked(client, page):
    conversation_with_customer(client, page, hours_ago=30)
    order = create_order(client, page)
    r = client.post(f"/api/v1/orders/{order['id']}/shipping-events", json={
        "status": "in_transit", "carrier": "UPS", "tracking_number": "1Z999",
        "location": "Oakland"}, headers=page.ws.agent)
    assert r.status_code == 201
    drain()
    receipt, shipping = rows(m.Message, m.Message.direction == "outbound")
    assert (receipt.purpose, receipt.status) == ("receipt", "blocked")
    assert "bots and automations never use HUMAN_AGENT" in receipt.error
    assert (shipping.purpose, shipping.status) == ("shipping", "blocked")
    assert "1Z999" in shipping.text and shipping.order_id == order["id"]
    assert page.requests() == []


def test_shipping_update_inside_the_window(client, page):
    conversation_with_customer(client, page)
    order = create_order(client, page)
    client.post(f"/api/v1/orders/{order['id']}/shipping-events", json={
        "status": "out_for_delivery", "carrier": "UPS", "tracking_number": "1Z999"},
        headers=page.ws.agent)
    drain()
    texts = [r["body"]["message"].get("text") for r in page.requests("/me/messages")]
    assert ("Update on order NW-2001: it is out for delivery. UPS tracking number: "
                        "1Z999.") in texts and len(texts) == 2


def test_orders_for_customers_without_a_messenger_thread_send_nothing(client, workspace):
    client.post(workspace.webhook, json={"id": "a1", "customer": {"id": "c-1"}, "text": "hi, where is my order?"},
                headers=workspace.inbound)
    drain()
    customer_id = client.get("/api/v1/customers", headers=workspace.agent).json()["items"][0]["id"]
    assert client.post("/api/v1/orders", json={**ORDER, "customer_id": customer_id},
                       headers=workspace.agent).status_code == 201
    drain()
    assert rows(m.Message, m.Message.direction == "outbound") == []


def test_handover_round_trip(client, page):
    conv = conversation_with_customer(client, page)
    url = f"/api/v1/conversations/{conv}/handover"
    r = client.post(url, json={"action": "pass"}, headers=page.ws.agent)
    assert r.status_code == 200 and r.json()["thread_owner_app_id"] == PAGE_INBOX
    [passed] = page.requests("/me/pass_thread_control")
    assert passed["body"] == {"recipient": {"id": "psid-1"}, "target_app_id": PAGE_INBOX}
    refused = reply(client, page, conv)
    assert refused.status_code == 409 and "take thread control" in refused.json()["detail"]
    # a customer message while the Page Inbox owns the thread arrives on standby
    page.post(client, {"object": "page", "entry": [{"id": "1", "time": 1, "standby": [event(
        "psid-1", {"message": {"mid": "m_sb", "text": "hello?"}}, ts=int(time.time() * 1000))]}]})
    drain()
    assert rows(m.Message, m.Message.external_id == "m_sb")[0].meta["standby"] is True
    assert client.post(url, json={"action": "take"}, headers=page.ws.agent).json() == {
        "action": "take", "thread_owner_app_id": APP_ID}
    assert reply(client, page, conv).status_code == 201
    drain()
    assert [r["endpoint"] for r in page.requests()] == [
        "/me/pass_thread_control", "/me/take_thread_control", "/me/messages"]
    # the Page Inbox passes it back by webhook / takes it by webhook
    page.post(client, body(event("psid-1", {"take_thread_control": {
        "previous_owner_app_id": APP_ID, "new_owner_app_id": PAGE_INBOX}})))
    drain()
    assert client.get(f"/api/v1/conversations/{conv}", headers=page.ws.agent).json()[
        "thread_owner_app_id"] == PAGE_INBOX
    page.post(client, body(event("psid-1", {"pass_thread_control": {
        "new_owner_app_id": APP_ID, "previous_owner_app_id": PAGE_INBOX}})))
    drain()
    assert client.get(f"/api/v1/conversations/{conv}/window",
                      headers=page.ws.agent).json()["allowed"] is True
    bad = client.post(url, json={"action": "steal"}, headers=page.ws.agent)
    assert bad.status_code == 422


def test_handover_refused_by_graph_is_a_readable_error(client, page):
    conv = conversation_with_customer(client, page)
    page.fail("invalid_token")
    r = client.post(f"/api/v1/conversations/{conv}/handover", json={"action": "pass"},
                    headers=page.ws.agent)
    assert r.status_code == 409 and "page token is invalid" in r.json()["detail"]
    assert client.get(f"/api/v1/conversations/{conv}", headers=page.ws.agent).json()[
        "thread_owner_app_id"] is None


def test_profile_set_and_push_by_api_and_cli(client, page, cli):
    url = f"/api/v1/channels/{page.id}/profile"
    bad = client.put(url, json={"persistent_menu": [{"title": "Orders", "payload": "ORDERS"}]},
                     headers=page.ws.admin)
    assert bad.status_code == 422 and "Get Started" in bad.json()["detail"]
    profile = {"get_started_payload": "GET_STARTED", "greeting": "Hi {{user_first_name}}!",
               "ice_breakers": [{"question": "Where is my order?", "payload": "WISMO"}],
               "persistent_menu": [{"title": "Track my order", "payload": "TRACK"},
                                   {"title": "Shop", "url": "https://northwind.example"}]}
    assert client.put(url, json=profile, headers=page.ws.admin).status_code == 200
    r = client.post(f"{url}/push", headers=page.ws.admin)
    assert r.status_code == 200, r.text
    [req] = page.requests("/me/messenger_profile")
    assert req["body"]["get_started"] == {"payload": "GET_STARTED"}
    assert req["body"]["greeting"] == [{"locale": "default", "text": "Hi {{user_first_name}}!"}]
    assert req["body"]["ice_breakers"][0]["call_to_actions"] == [
        {"question": "Where is my order?", "payload": "WISMO"}]
    assert req["body"]["persistent_menu"][0]["call_to_actions"][1] == {
        "type": "web_url", "title": "Shop", "url": "https://northwind.example"}
    assert page.fake.profile["get_started"] == {"payload": "GET_STARTED"}
    cli("messenger", "profile", "set", "-w", str(page.ws.id), "--greeting", "Welcome back!")
    assert "pushed" in cli("messenger", "profile", "push", "-w", str(page.ws.id)).stdout
    assert page.fake.profile["greeting"][0]["text"] == "Welcome back!"
    page.fail("server_error")
    r = client.post(f"{url}/push", headers=page.ws.admin)
    assert r.status_code == 502 and "unavailable" in r.json()["detail"]


def test_a_thread_request_from_another_app_is_honoured_once(client, page):
    conv = conversation_with_customer(client, page)
    request = body(event("psid-1", {"request_thread_control": {
        "requested_owner_app_id": PAGE_INBOX, "metadata": "agent wants it"}}))
    page.post(client, request)
    drain()
    [passed] = page.requests("/me/pass_thread_control")
    assert passed["body"]["target_app_id"] == PAGE_INBOX
    assert client.get(f"/api/v1/conversations/{conv}", headers=page.ws.agent).json()[
        "thread_owner_app_id"] == PAGE_INBOX
    # the same request again (a platform retry, a new event): we no longer own the thread
    page.post(client, body(event("psid-1", {"request_thread_control": {
        "requested_owner_app_id": PAGE_INBOX}}, ts=1_700_000_000_001)))
    drain()
    assert len(page.requests("/me/pass_thread_control")) == 1
