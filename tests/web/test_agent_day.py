"""The agent's day over HTTP: the same figures on every screen, escalation buttons, assign to
me and on reply, solve and next, retry, linking a store customer, canned variables, order links
and who may do each."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from support.fixtures import drain

from .test_console_http import (  # noqa: F401 - fixtures
    PW,
    callback_url,
    csrf,
    login,
    rival,
    say,
    shop,
)


def conversations(client, ws) -> dict[str, int]:
    items = client.get("/api/v1/conversations", params={"status": "all"},
                       headers=ws.agent).json()["items"]
    return {i["customer_name"]: i["id"] for i in items}


def store_customer(ws, name: str, email: str, number: str) -> int:
    """A customer of the shop with an order, as the shop's system created them."""
    from crowdcare.actions import orders
    from crowdcare.store import db
    from crowdcare.store import models as m

    with db.session_scope() as session:
        customer = m.Customer(workspace_id=ws.id, name=name, email=email)
        session.add(customer)
        session.flush()
        orders.do_create(session, ws.id, {
            "customer_id": customer.id, "number": number, "currency": "USD",
            "items": [{"title": "Linen shirt", "quantity": 1, "unit_price": 49.0}],
            "shipping_cost": 0.0, "tax": 0.0})
        return customer.id


def test_the_list_the_ticket_bar_and_the_panel_show_one_state(client, shop):  # noqa: F811
    say(client, shop, 1, "I'm done with you. Cancel my account, I'm taking this to my lawyer.")
    say(client, shop, 2, "Any news on my order?")
    cid = conversations(client, shop)["Maya Chen"]
    login(client, "ana@acme-apparel.test")
    conv = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()
    lawyer = conv["messages"][0]
    row = re.search(rf'id="conv-{cid}".*?<span class="prio"[^>]*>(\d+)</span>',
                    client.get("/inbox").text, re.S).group(1)
    page = client.get(f"/c/{cid}").text
    bar = re.search(r'id="ticket-priority"[^>]*>(\d+)<', page).group(1)
    panel = re.search(r'id="panel-priority">(\d+)<', page).group(1)
    assert row == bar == panel == str(conv["priority"])
    assert f'set by <a href="#m-{lawyer["id"]}">message #{lawyer["id"]}</a>' in page
    assert 'id="ticket-route"' in page and ">escalation<" in page
    assert "held until cleared" in page and 'id="clear-escalation"' in page
    # the escalation view shows it, before and after the customer's next message
    assert f'id="conv-{cid}"' in client.get("/inbox?view=escalations").text


def test_clear_and_escalate_from_the_console(client, shop):  # noqa: F811
    say(client, shop, 1, "I'm taking this to my lawyer.")
    cid = conversations(client, shop)["Maya Chen"]
    login(client, "ana@acme-apparel.test")
    token = csrf(client)
    r = client.post(f"/c/{cid}/escalation", data={"csrf_token": token, "action": "clear"})
    assert "Escalation cleared" in r.text and 'id="escalate"' in r.text
    assert f'id="conv-{cid}"' not in client.get("/inbox?view=escalations").text
    r = client.post(f"/c/{cid}/escalation", data={"csrf_token": token, "action": "clear"})
    assert "is not escalated" in r.text
    r = client.post(f"/c/{cid}/escalation", data={"csrf_token": token, "action": "escalate"})
    assert "escalated" in r.text and 'id="clear-escalation"' in r.text
    r = client.post(f"/c/{cid}/escalation", data={"csrf_token": token, "action": "bogus"})
    assert "clear or escalate" in r.text
    assert client.post(f"/c/{cid}/escalation", data={"action": "clear"},
                       follow_redirects=False).status_code == 403   # no CSRF token


def test_assign_to_me_and_on_reply_and_solve_and_next(client, shop):  # noqa: F811
    say(client, shop, 1, "Where is my order?", customer="c-1", name="Maya Chen")
    say(client, shop, 2, "Can I return the jacket?", customer="c-2", name="Tom Becker")
    say(client, shop, 3, "Do you ship to Canada?", customer="c-3", name="Ji-woo Park")
    convs = conversations(client, shop)
    login(client, "ana@acme-apparel.test")
    token = csrf(client)
    r = client.post(f"/c/{convs['Maya Chen']}/assign-me", data={"csrf_token": token})
    assert "is yours" in r.text and 'id="assign-me"' not in r.text
    # answering an unassigned ticket takes it
    client.post(f"/c/{convs['Tom Becker']}/reply", data={"csrf_token": token, "text": "Sure!"})
    ticket = client.get(f"/api/v1/conversations/{convs['Tom Becker']}",
                        headers=shop.agent).json()["ticket"]
    assert ticket["assignee_id"] == shop.agent_id
    # a note does not
    client.post(f"/c/{convs['Ji-woo Park']}/reply", data={"csrf_token": token, "text": "hmm",
                                                          "note": "1"})
    assert client.get(f"/api/v1/conversations/{convs['Ji-woo Park']}",
                      headers=shop.agent).json()["ticket"]["assignee_id"] is None
    # solve and next: to the next row of the agent's list, else the top of theirs or nobody's
    r = client.post(f"/c/{convs['Maya Chen']}/ticket", data={
        "csrf_token": token, "status": "solved", "next": "1",
        "next_id": str(convs["Ji-woo Park"])}, follow_redirects=False)
    assert r.headers["location"] == f"/c/{convs['Ji-woo Park']}"
    r = client.post(f"/c/{convs['Tom Becker']}/ticket", data={
        "csrf_token": token, "status": "solved", "next": "1", "next_id": str(convs["Maya Chen"])},
        follow_redirects=False)
    assert r.headers["location"] == f"/c/{convs['Ji-woo Park']}"   # Maya's is solved already
    r = client.post(f"/c/{convs['Ji-woo Park']}/ticket", data={
        "csrf_token": token, "status": "solved", "next": "1"}, follow_redirects=False)
    assert r.headers["location"] == "/inbox"


def test_a_failed_reply_is_retried(client, shop, cli):  # noqa: F811
    from crowdcare.channels.testing import CallbackReceiver, serve_in_thread

    receiver = CallbackReceiver()
    with serve_in_thread(receiver.app) as base:
        account = cli.json("channel", "add", "api", "-w", "acme-apparel", "--name", "Kiosk",
                           "--callback-url", f"{base}/callback")
        client.post(f"/webhooks/api/{account['id']}", headers={
            "Authorization": f"Bearer {account['secrets']['inbound_token']}"}, json={
            "id": "k1", "customer": {"id": "k-1", "name": "Kim"}, "text": "Where is my order?"})
        drain()
        cid = conversations(client, shop)["Kim"]
        login(client, "ana@acme-apparel.test")
        token = csrf(client)
        receiver.fail_next = [400]   # the shop refuses it: not retryable, so failed
        client.post(f"/c/{cid}/reply", data={"csrf_token": token, "text": "On its way!"})
        drain()
        out = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()["messages"][-1]
        assert out["status"] == "failed" and "HTTP 400" in out["error"]
        page = client.get(f"/c/{cid}").text
        assert f'action="/c/{cid}/m/{out["id"]}/retry"' in page
        r = client.post(f"/c/{cid}/m/{out['id']}/retry", data={"csrf_token": token},
                        headers={"HX-Request": "true"})
        assert r.status_code == 200 and 'data-status="queued"' in r.text
        drain()
        assert [json.loads(c["body"])["text"] for c in receiver.received] == [
            "On its way!", "On its way!"]
        out = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()["messages"][-1]
        assert out["status"] == "sent" and out["error"] is None
        r = client.post(f"/c/{cid}/m/{out['id']}/retry", data={"csrf_token": token})
        assert "only a failed message can be retried" in r.text
        inbound = client.get(f"/api/v1/conversations/{cid}",
                             headers=shop.agent).json()["messages"][0]
        r = client.post(f"/c/{cid}/m/{inbound['id']}/retry", data={"csrf_token": token})
        assert "only a failed message" in r.text


def test_a_customer_who_gives_an_order_number_is_linked_when_the_agent_confirms(
        client, shop):  # noqa: F811
    store = store_customer(shop, "Maya Chen", "maya@mail.example", "NW-1001")
    say(client, shop, 1, "Hi, my parcel nw1001 never came", customer="web-7", name="Maya C.")
    cid = conversations(client, shop)["Maya C."]
    login(client, "ana@acme-apparel.test")
    token = csrf(client)
    page = client.get(f"/c/{cid}").text
    assert "Maybe the same person" in page and "gave order NW-1001" in page
    assert re.search(r'<a class="order-link" href="/orders/\d+"[^>]*>nw1001</a>', page)
    assert "No orders." in page
    r = client.post(f"/c/{cid}/link", data={"csrf_token": token, "customer_id": store})
    assert "Linked to Maya Chen" in r.text
    assert "NW-1001" in re.search(r'<h3>Orders</h3>(.*?)</section>', r.text, re.S).group(1)
    assert "Maybe the same person" not in r.text and "Unlink" in r.text
    conv = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()
    assert conv["customer_id"] == store
    # unlink: two customers again, the suggestion is back
    merged = re.search(r'name="customer_id" value="(\d+)">\s*<button type="submit" '
                       r'class="link unlink"', r.text).group(1)
    r = client.post(f"/c/{cid}/unlink", data={"csrf_token": token, "customer_id": merged})
    assert "two customers again" in r.text
    conv = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()
    assert conv["customer_id"] == int(merged)
    assert "Maybe the same person" in client.get(f"/c/{cid}").text


def test_never_linked_on_a_name_alone(client, shop):  # noqa: F811
    store = store_customer(shop, "Maya Chen", "maya@mail.example", "NW-1001")
    say(client, shop, 1, "Where is my parcel?", customer="web-8", name="Maya Chen")
    cid = [i["id"] for i in client.get("/api/v1/conversations", headers=shop.agent).json()
           ["items"]][0]
    login(client, "ana@acme-apparel.test")
    page = client.get(f"/c/{cid}").text
    assert "Maybe the same person" not in page
    r = client.post(f"/c/{cid}/link", data={"csrf_token": csrf(client), "customer_id": store})
    assert "Nothing links these customers" in r.text
    conv = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()
    assert conv["customer_id"] != store


def test_the_same_email_from_the_channel_is_suggested(client, shop):  # noqa: F811
    store = store_customer(shop, "Maya Chen", "Maya@Mail.example", "NW-1001")
    client.post(shop.webhook, headers=shop.inbound, json={
        "id": "e1", "customer": {"id": "web-9", "name": "M", "email": "maya@mail.example"},
        "text": "Where is my parcel?"})
    drain()
    cid = conversations(client, shop)["M"]
    login(client, "ana@acme-apparel.test")
    page = client.get(f"/c/{cid}").text
    assert "same email (maya@mail.example)" in page and f'value="{store}"' in page


def test_linking_needs_the_workspace(client, shop, rival):  # noqa: F811
    other = store_customer(rival, "Gina", "gina@globex.example", "GX-1")
    say(client, shop, 1, "My order GX-1 is late", customer="web-1", name="G")
    cid = conversations(client, shop)["G"]
    login(client, "ana@acme-apparel.test")
    page = client.get(f"/c/{cid}").text
    assert "Maybe the same person" not in page and "order-link" not in page
    r = client.post(f"/c/{cid}/link", data={"csrf_token": csrf(client), "customer_id": other},
                    follow_redirects=False)
    assert r.status_code == 404
    order_id = client.get("/api/v1/orders", headers=rival.agent).json()["items"][0]["id"]
    assert client.get(f"/orders/{order_id}").status_code == 404
    login(client, "ana@globex-gear.test")
    assert "GX-1" in client.get(f"/orders/{order_id}").text


def test_canned_variables_are_never_guessed(client, shop):  # noqa: F811
    from crowdcare.store import db
    from crowdcare.store import models as m

    with db.session_scope() as session:
        session.add(m.CannedResponse(workspace_id=shop.id, shortcut="where", title="Where",
                                     body="Hi {{customer.first_name}}, order {order_number} "
                                          "is {{order.status}}."))
    client.post(shop.webhook, headers=shop.inbound, json={
        "id": "n1", "customer": {"id": "anon"}, "text": "Where is my parcel?"})
    drain()
    cid = client.get("/api/v1/conversations", headers=shop.agent).json()["items"][0]["id"]
    login(client, "ana@acme-apparel.test")
    page = client.get(f"/c/{cid}").text
    data = json.loads(re.search(r'<script type="application/json" id="canned-data">(.*?)'
                                r'</script>', page, re.S).group(1))
    assert data[0]["body"] == ("Hi {{customer.first_name}}, order {{order.number}} is "
                               "{{order.status}}.")
    assert "(order number)" not in page and "there" not in data[0]["body"]
    r = client.post(f"/c/{cid}/reply", data={"csrf_token": csrf(client),
                                             "text": data[0]["body"]})
    assert "fill in {{customer.first_name}} first" in r.text
    r = client.post(f"/api/v1/conversations/{cid}/replies", headers=shop.agent,
                    json={"text": "Order {{ order.number }} is late"})
    assert r.status_code == 422 and "fill in" in r.json()["detail"]
    # the customer's own order fills them when there is one
    store = store_customer(shop, "Maya Chen", "maya@mail.example", "NW-1001")
    from crowdcare.actions import customers
    with db.session_scope() as session:
        here = session.get(m.Conversation, cid).customer
        customers.do_merge(session, session.get(m.Customer, store), here)
    page = client.get(f"/c/{cid}").text
    assert "Hi Maya, order NW-1001 is placed." in page


def test_conversation_actions_need_the_workspace(client, shop, rival):  # noqa: F811
    say(client, shop, 1, "Where is my order?")
    cid = conversations(client, shop)["Maya Chen"]
    mid = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()["messages"][0]["id"]
    login(client, "ana@globex-gear.test")
    token = csrf(client)
    for path, data in [(f"/c/{cid}/escalation", {"action": "escalate"}),
                       (f"/c/{cid}/assign-me", {}), (f"/c/{cid}/m/{mid}/retry", {}),
                       (f"/c/{cid}/link", {"customer_id": "1"}),
                       (f"/c/{cid}/unlink", {"customer_id": "1"})]:
        r = client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)
        assert r.status_code == 404, path
    for path in (f"/c/{cid}/side", f"/c/{cid}/header"):
        assert client.get(path).status_code == 404


def test_the_side_panels_are_served_for_the_live_journey(client, shop):  # noqa: F811
    say(client, shop, 1, "Where is my order?")
    cid = conversations(client, shop)["Maya Chen"]
    login(client, "ana@acme-apparel.test")
    r = client.get(f"/c/{cid}/side")
    assert r.status_code == 200 and 'id="conv-side"' in r.text and 'id="journey"' in r.text


def test_order_events_reach_the_live_feed_with_their_customer(client, shop):  # noqa: F811
    from crowdcare.store import db
    from crowdcare.store import models as m

    say(client, shop, 1, "Where is my order?")
    login(client, "ana@acme-apparel.test")
    with client.websocket_connect("/web/live?last_event_id=0") as ws:
        store = store_customer(shop, "Maya Chen", "maya@mail.example", "NW-1001")
        seen: list[dict] = []
        while not any(e["name"] == "order.created" for e in seen):
            seen += ws.receive_json()
        assert [e["customer_id"] for e in seen if e["name"] == "order.created"] == [store]
    with db.session_scope() as session:
        assert session.scalar(select(m.Order.number_key)) == "NW1001"
