"""Conversations, replies (out through the API channel's signed callback), tickets."""
import hashlib
import hmac
import json

import httpx
import pytest

from crowdcare.channels.testing import CallbackReceiver, serve_in_thread
from support.fixtures import drain, make_workspace


@pytest.fixture
def receiver():
    r = CallbackReceiver()
    with serve_in_thread(r.app) as base:
        r.url = f"{base}/callback"
        yield r


@pytest.fixture
def shop(cli, receiver):
    return make_workspace(cli, callback_url=receiver.url)


def say(client, ws, i, text, customer="c-1", name="Maya Chen"):
    r = client.post(ws.webhook, json={"id": f"m{i}", "customer": {"id": customer, "name": name},
                                      "text": text}, headers=ws.inbound)
    assert r.status_code == 200, r.text
    drain()


def conversation_id(client, ws, **params) -> int:
    return client.get("/api/v1/conversations", params=params, headers=ws.agent).json()["items"][0]["id"]


def test_agent_reply_goes_out_as_a_signed_callback(client, shop, receiver):
    say(client, shop, 1, "Where is my order?")
    cid = conversation_id(client, shop)
    r = client.post(f"/api/v1/conversations/{cid}/replies", json={"text": "On its way!"},
                    headers=shop.agent)
    assert r.status_code == 201 and r.json()["status"] == "queued"
    assert drain() == (0, 1)
    [call] = receiver.received
    secret = shop.api_account["secrets"]["callback_secret"]
    ts = call["headers"]["x-crowdcare-timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + call["body"],
                                    hashlib.sha256).hexdigest()
    assert call["headers"]["x-crowdcare-signature"] == expected
    conv = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()
    out = conv["messages"][-1]
    assert out["status"] == "sent" and out["external_id"] == "biz-1" and out["author"] == "agent"
    assert conv["ticket"]["status"] == "open" and conv["ticket"]["first_response_at"]


def test_callback_is_retried_until_acknowledged_and_permanent_errors_are_recorded(
        client, shop, receiver):
    say(client, shop, 1, "hello? where is my order?")
    cid = conversation_id(client, shop)
    receiver.fail_next = [500, 503]
    client.post(f"/api/v1/conversations/{cid}/replies", json={"text": "hi"}, headers=shop.agent)
    drain()   # retry base is 0 s in tests: three attempts, the third acknowledged
    assert len(receiver.received) == 3
    msgs = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()["messages"]
    assert msgs[-1]["status"] == "sent" and msgs[-1]["error"] is None
    receiver.fail_next = [400]
    client.post(f"/api/v1/conversations/{cid}/replies", json={"text": "again"}, headers=shop.agent)
    drain()
    last = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()["messages"][-1]
    assert last["status"] == "failed" and "HTTP 400" in last["error"]


def test_messages_to_one_customer_go_out_in_order_even_through_retries(client, shop, receiver):
    say(client, shop, 1, "hello? where is my order?")
    cid = conversation_id(client, shop)
    receiver.fail_next = [503, 503]            # the first reply needs three attempts
    for text in ("first", "second", "third"):
        client.post(f"/api/v1/conversations/{cid}/replies", json={"text": text},
                    headers=shop.agent)
    drain()
    texts = [json.loads(c["body"])["text"] for c in receiver.received]
    assert texts == ["first", "first", "first", "second", "third"]


def test_internal_note_is_never_sent(client, shop, receiver):
    say(client, shop, 1, "hello? where is my order?")
    cid = conversation_id(client, shop)
    r = client.post(f"/api/v1/conversations/{cid}/replies", json={"text": "VIP, be nice",
                                                                   "note": True},
                    headers=shop.agent)
    assert r.json()["status"] == "note"
    drain()
    assert receiver.received == []


def test_filters_search_and_paging(client, shop):
    for i in range(5):
        say(client, shop, i, f"question number {i} about shipping", customer=f"c{i}",
            name=f"Customer {i}")
    say(client, shop, 9, "¿Dónde está mi pedido? Lo necesito para el viernes.", customer="es",
        name="Lucía Gómez")
    page = client.get("/api/v1/conversations", params={"limit": 2, "offset": 2},
                      headers=shop.agent).json()
    assert page["total"] == 6 and len(page["items"]) == 2
    assert client.get("/api/v1/conversations", params={"q": "lucía"},
                      headers=shop.agent).json()["total"] == 1
    assert client.get("/api/v1/conversations", params={"q": "number 3"},
                      headers=shop.agent).json()["total"] == 1
    assert client.get("/api/v1/conversations", params={"language": "es"},
                      headers=shop.agent).json()["total"] == 1
    assert client.get("/api/v1/conversations", params={"channel": "api", "unassigned": True},
                      headers=shop.agent).json()["total"] == 6
    assert client.get("/api/v1/conversations", params={"limit": 0},
                      headers=shop.agent).status_code == 422


def test_ticket_lifecycle_and_follow_on(client, shop):
    say(client, shop, 1, "My parcel is late")
    cid = conversation_id(client, shop)
    ticket = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()["ticket"]
    tid = ticket["id"]
    r = client.patch(f"/api/v1/tickets/{tid}", json={
        "status": "pending", "assignee_id": shop.agent_id, "tags": ["shipping", " late ", "late"],
        "priority": 80}, headers=shop.agent)
    assert r.status_code == 200
    assert r.json()["tags"] == ["late", "shipping"] and r.json()["assignee_id"] == shop.agent_id
    assert client.get("/api/v1/conversations", params={"assignee_id": shop.agent_id},
                      headers=shop.agent).json()["total"] == 1
    say(client, shop, 2, "any news?")   # the customer answered: pending → open
    assert client.get(f"/api/v1/tickets/{tid}", headers=shop.agent).json()["status"] == "open"
    assert client.patch(f"/api/v1/tickets/{tid}", json={"status": "solved"},
                        headers=shop.agent).json()["solved_at"]
    say(client, shop, 3, "The parcel arrived but the zip is broken")
    follow = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()["ticket"]
    assert follow["id"] != tid and follow["follows_ticket_id"] == tid
    client.patch(f"/api/v1/tickets/{tid}", json={"status": "closed"}, headers=shop.agent)
    r = client.patch(f"/api/v1/tickets/{tid}", json={"status": "open"}, headers=shop.agent)
    assert r.status_code == 409 and "closed ticket cannot become open" in r.json()["detail"]
    r = client.patch(f"/api/v1/tickets/{tid}", json={"status": "archived"}, headers=shop.agent)
    assert r.status_code == 422 and r.json()["field"] == "status"
    r = client.patch(f"/api/v1/tickets/{tid}", json={"assignee_id": 999}, headers=shop.agent)
    assert r.status_code == 422 and r.json()["field"] == "assignee_id"
    journey = client.get(f"/api/v1/customers/{follow['customer_id']}", headers=shop.agent).json()
    assert [t["follows_ticket_id"] for t in journey["tickets"]] == [None, tid]


def test_reply_validation_and_unknown_ids(client, shop):
    say(client, shop, 1, "hi, my parcel is late")
    cid = conversation_id(client, shop)
    r = client.post(f"/api/v1/conversations/{cid}/replies", json={"text": ""}, headers=shop.agent)
    assert r.status_code == 422 and r.json()["field"] == "text"
    assert client.post("/api/v1/conversations/999/replies", json={"text": "x"},
                       headers=shop.agent).status_code == 404
    assert client.get("/api/v1/tickets/999", headers=shop.agent).status_code == 404
    assert client.get("/api/v1/conversations", headers={"Authorization": "Bearer nope"}
                      ).status_code == 401


def test_other_workspaces_data_is_invisible(client, cli, shop):
    say(client, shop, 1, "hi, my parcel is late")
    cid = conversation_id(client, shop)
    other = make_workspace(cli, "Rival Co", prefix="r-")
    assert client.get("/api/v1/conversations", headers=other.agent).json()["total"] == 0
    for url in (f"/api/v1/conversations/{cid}", "/api/v1/tickets/1", "/api/v1/customers/1"):
        r = client.get(url, headers=other.agent)
        assert r.status_code == 404, url
    assert client.post(f"/api/v1/conversations/{cid}/replies", json={"text": "x"},
                       headers=other.agent).status_code == 404
    assert client.patch("/api/v1/tickets/1", json={"status": "solved"},
                        headers=other.agent).status_code == 404


def test_a_queued_reply_wakes_the_sender_without_waiting_for_its_poll(cli, receiver, monkeypatch):
    """Live workers, polling only every 60 s: the reply still goes out at once, because the
    committed message.created event wakes the sender."""
    import time

    from crowdcare.app import create_app
    from crowdcare.settings import get_settings

    monkeypatch.setenv("CROWDCARE_RUN_WORKERS", "true")
    monkeypatch.setenv("CROWDCARE_WORKER_POLL_SECONDS", "60")
    get_settings.cache_clear()
    shop = make_workspace(cli, callback_url=receiver.url)
    with serve_in_thread(create_app()) as base, httpx.Client(base_url=base) as http:
        http.post(shop.webhook, json={"id": "m1", "customer": {"id": "c-1"},
                                      "text": "Where is my order?"}, headers=shop.inbound)
        deadline = time.monotonic() + 20
        while not (items := http.get("/api/v1/conversations",
                                     headers=shop.agent).json()["items"]):
            assert time.monotonic() < deadline, "the delivery was not processed"
            time.sleep(0.05)
        r = http.post(f"/api/v1/conversations/{items[0]['id']}/replies",
                      json={"text": "On its way"}, headers=shop.agent)
        assert r.status_code == 201
        while not receiver.received:
            assert time.monotonic() < deadline, "the sender slept until its next poll"
            time.sleep(0.05)
    assert json.loads(receiver.received[0]["body"])["text"] == "On its way"
    get_settings.cache_clear()


def test_an_id_the_platform_answers_twice_never_sends_a_reply_again(client, shop, receiver):
    """A business's endpoint that restarted counts its ids from 1 again: the second reply is
    still recorded as sent (without the taken id), not left to be sent a second time."""
    say(client, shop, 1, "Where is my order?")
    cid = conversation_id(client, shop)
    for text in ("On its way!", "Tracking number: 1Z999"):
        receiver.received.clear()   # both answered {"id": "biz-1"}
        r = client.post(f"/api/v1/conversations/{cid}/replies", json={"text": text},
                        headers=shop.agent)
        assert r.status_code == 201
        assert drain() == (0, 1)
        assert len(receiver.received) == 1
    messages = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()["messages"]
    assert [m["status"] for m in messages if m["direction"] == "outbound"] == ["sent", "sent"]
    assert drain() == (0, 0) and len(receiver.received) == 1   # nothing is sent again
