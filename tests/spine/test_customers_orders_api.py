"""Customers with identities, orders and tickets as a journey; orders through the API."""
from support.fixtures import drain


def say(client, ws, i, text, customer="c-1", name="Maya Chen"):
    client.post(ws.webhook, json={"id": f"m{i}", "customer": {"id": customer, "name": name},
                                  "text": text}, headers=ws.inbound)
    drain()


ORDER = {
    "number": "NW-1001", "currency": "EUR", "payment_method": "Visa 4242",
    "items": [{"sku": "SHIRT", "title": "Linen shirt", "quantity": 2, "unit_price": 49.5},
              {"title": "Beanie", "unit_price": 19}],
    "shipping_cost": 4.95, "tax": 3.1,
    "address": {"street_1": "1 Market St", "city": "Springfield", "postal_code": "12345",
                "country": "US"},
}


def test_order_create_update_and_shipping_events(client, workspace):
    say(client, workspace, 1, "hello, where is my order?")
    customer_id = client.get("/api/v1/customers", headers=workspace.agent).json()["items"][0]["id"]
    r = client.post("/api/v1/orders", json={**ORDER, "customer_id": customer_id},
                    headers=workspace.agent)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["subtotal"] == 118.0 and order["total"] == 126.05 and len(order["items"]) == 2
    r = client.patch(f"/api/v1/orders/{order['id']}", json={"status": "paid", "tax": 0},
                     headers=workspace.agent)
    assert r.json()["status"] == "paid" and r.json()["total"] == 122.95
    r = client.post(f"/api/v1/orders/{order['id']}/shipping-events", json={
        "status": "in_transit", "carrier": "UPS", "tracking_number": "1Z999",
        "location": "Oakland"}, headers=workspace.agent)
    assert r.status_code == 201 and r.json()["status"] == "shipped"
    assert r.json()["shipping_events"][0]["tracking_number"] == "1Z999"
    journey = client.get(f"/api/v1/customers/{customer_id}", headers=workspace.agent).json()
    assert journey["orders"][0]["number"] == "NW-1001"
    assert journey["identities"][0]["external_id"] == "c-1"
    assert len(journey["conversations"]) == 1 and len(journey["tickets"]) == 1


def test_order_validation(client, workspace):
    say(client, workspace, 1, "hello")
    r = client.post("/api/v1/orders", json={**ORDER, "customer_id": 999}, headers=workspace.agent)
    assert r.status_code == 422 and r.json()["field"] == "customer_id"
    r = client.post("/api/v1/orders", json={**ORDER, "customer_id": 1, "items": []},
                    headers=workspace.agent)
    assert r.status_code == 422 and r.json()["field"] == "items"
    r = client.post("/api/v1/orders", json={**ORDER, "customer_id": 1, "currency": "euro"},
                    headers=workspace.agent)
    assert r.status_code == 422
    assert client.post("/api/v1/orders", json={**ORDER, "customer_id": 1},
                       headers=workspace.agent).status_code == 201
    r = client.post("/api/v1/orders", json={**ORDER, "customer_id": 1}, headers=workspace.agent)
    assert r.status_code == 409 and "already exists" in r.json()["detail"]
    r = client.post("/api/v1/orders/1/shipping-events", json={"status": "teleported"},
                    headers=workspace.agent)
    assert r.status_code == 422
    assert client.get("/api/v1/orders/999", headers=workspace.agent).status_code == 404


def test_merge_two_identities_into_one_customer(client, workspace):
    say(client, workspace, 1, "hi from the shop chat", customer="shop-maya")
    say(client, workspace, 2, "hi from the app", customer="app-maya", name="Maya C.")
    a, b = (c["id"] for c in client.get("/api/v1/customers", headers=workspace.agent).json()["items"])
    r = client.post(f"/api/v1/customers/{a}/merge", json={"other_customer_id": b},
                    headers=workspace.agent)
    assert r.status_code == 200
    assert sorted(i["external_id"] for i in r.json()["identities"]) == ["app-maya", "shop-maya"]
    assert len(client.get("/api/v1/customers", headers=workspace.agent).json()["items"]) == 1
    # the merged identity's next message joins the survivor
    say(client, workspace, 3, "me again", customer="app-maya")
    journey = client.get(f"/api/v1/customers/{a}", headers=workspace.agent).json()
    assert len(journey["conversations"]) == 2
    assert client.post(f"/api/v1/customers/{a}/merge", json={"other_customer_id": a},
                       headers=workspace.agent).status_code == 422
    r = client.patch(f"/api/v1/customers/{a}", json={"vip": True, "email": "not-an-email"},
                     headers=workspace.agent)
    assert r.status_code == 422
    assert client.patch(f"/api/v1/customers/{a}", json={"vip": True},
                        headers=workspace.agent).json()["vip"] is True


def test_agents_and_teams(client, workspace):
    r = client.post("/api/v1/agents", json={"email": "new@acme.test", "role": "agent"},
                    headers=workspace.admin)
    assert r.status_code == 201
    assert client.post("/api/v1/agents", json={"email": "x@acme.test"},
                       headers=workspace.agent).status_code == 403   # admins only
    r = client.post("/api/v1/teams", json={"name": "Tier 2", "members": [r.json()["id"]]},
                    headers=workspace.admin)
    assert r.status_code == 201 and len(r.json()["members"]) == 1
    assert client.post("/api/v1/teams", json={"name": "Tier 2"},
                       headers=workspace.admin).status_code == 409
    assert client.post("/api/v1/teams", json={"name": "X", "members": [999]},
                       headers=workspace.admin).json()["field"] == "members"
    names = [t["name"] for t in client.get("/api/v1/teams", headers=workspace.agent).json()["items"]]
    assert names == ["Tier 1", "Tier 2"]


def test_advocates_cannot_use_the_staff_api(client, cli, workspace):
    cli("agent", "add", "sam@community.test", "--role", "advocate")
    token = cli.json("token", "create", "--agent", "sam@community.test")["token"]
    r = client.get("/api/v1/conversations", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403 and "advocates" in r.json()["detail"]
