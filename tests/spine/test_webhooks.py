"""The API channel webhook: acknowledged only after the delivery is stored; bad input is a clear
4xx and stores nothing."""
import pytest
from sqlalchemy import func, select

from crowdcare.store import db
from crowdcare.store import models as m
from support.fixtures import drain


def count(model) -> int:
    with db.session_scope() as s:
        return s.scalar(select(func.count()).select_from(model))


def body(i: int = 1, text: str = "Where is my order #1042?", customer: str = "c-1") -> dict:
    return {"id": f"msg-{i}", "customer": {"id": customer, "name": "Maya Chen"}, "text": text}


def test_message_is_stored_then_processed_into_conversation_and_ticket(client, workspace):
    r = client.post(workspace.webhook, json=body(), headers=workspace.inbound)
    assert r.status_code == 200 and r.json()["duplicate"] is False
    assert count(m.Delivery) == 1 and count(m.Message) == 0   # nothing runs before the ack
    assert drain() == (1, 0)
    convs = client.get("/api/v1/conversations", headers=workspace.agent).json()
    assert convs["total"] == 1
    conv = client.get(f"/api/v1/conversations/{convs['items'][0]['id']}",
                      headers=workspace.agent).json()
    [msg] = conv["messages"]
    assert msg["text"] == "Where is my order #1042?" and msg["author"] == "customer"
    assert msg["language"] == "en" and msg["triage"]["language"]["value"] == "en"
    assert conv["ticket"]["status"] == "new" and conv["customer_name"] == "Maya Chen"


def test_batch_of_messages_in_one_delivery(client, workspace):
    payload = {"messages": [body(1, "hi"), body(2, "where is my parcel?", "c-2")]}
    assert client.post(workspace.webhook, json=payload, headers=workspace.inbound).status_code == 200
    drain()
    assert count(m.Message) == 2 and count(m.Customer) == 2


def test_redelivery_and_replay_do_nothing_twice(client, workspace, cli):
    first = client.post(workspace.webhook, json=body(), headers=workspace.inbound).json()
    again = client.post(workspace.webhook, json=body(), headers=workspace.inbound).json()
    assert again == {"delivery_id": first["delivery_id"], "duplicate": True}
    drain()
    # the same message id inside a different body is still one message
    other = {"messages": [body(1), body(2, "and my refund?")]}
    client.post(workspace.webhook, json=other, headers=workspace.inbound)
    drain()
    assert count(m.Message) == 2 and count(m.Ticket) == 1
    result = cli.json("replay", "--account", str(workspace.api_account["id"]))
    assert result == {"replayed": 2, "processed": 2}
    assert count(m.Message) == 2 and count(m.Ticket) == 1 and count(m.Conversation) == 1


@pytest.mark.parametrize("case", ["malformed", "content_type", "oversized", "bad_token",
                                  "no_token", "unknown_account", "wrong_kind", "invalid_shape"])
def test_bad_requests_get_a_clear_4xx_and_store_nothing(client, workspace, case):
    url, headers, kwargs = workspace.webhook, dict(workspace.inbound), {}
    ct = {"content-type": "application/json"}
    expected = {
        "malformed": (400, "malformed JSON"), "content_type": (415, "application/json"),
        "oversized": (413, "body over"), "bad_token": (401, "invalid bearer token"),
        "no_token": (401, "missing bearer token"), "unknown_account": (404, "no active api account"),
        "wrong_kind": (404, "unknown channel"), "invalid_shape": (422, "customer"),
    }[case]
    if case == "malformed":
        kwargs = {"content": b'{"id": "x", "customer": ', "headers": {**headers, **ct}}
    elif case == "content_type":
        kwargs = {"content": b'{"id": "x"}', "headers": {**headers, "content-type": "text/plain"}}
    elif case == "oversized":
        big = {**body(), "text": "x" * (1024 * 1024 + 10)}
        kwargs = {"json": big, "headers": headers}
    elif case == "bad_token":
        kwargs = {"json": body(), "headers": {"Authorization": "Bearer wrong-token-value"}}
    elif case == "no_token":
        kwargs = {"json": body()}
    elif case == "unknown_account":
        url, kwargs = "/webhooks/api/999", {"json": body(), "headers": headers}
    elif case == "wrong_kind":
        url, kwargs = f"/webhooks/fax/{workspace.api_account['id']}", {"json": body(),
                                                                       "headers": headers}
    elif case == "invalid_shape":
        kwargs = {"json": {"id": "x", "text": "hi"}, "headers": headers}
    r = client.post(url, **kwargs)
    assert r.status_code == expected[0], r.text
    assert expected[1] in r.json()["detail"]
    assert count(m.Delivery) == 0


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_timestamp_without_a_zone_is_taken_as_utc(client, workspace):
    client.post(workspace.webhook, json=body(1), headers=workspace.inbound)
    drain()
    later = {**body(2, "and now?"), "timestamp": "2026-11-28T09:30:00"}
    assert client.post(workspace.webhook, json=later, headers=workspace.inbound).status_code == 200
    drain()
    with db.session_scope() as s:
        assert s.scalar(select(func.count()).where(m.Delivery.status != "done")) == 0
        sent = s.scalar(select(m.Message.sent_at).where(m.Message.external_id == "msg-2"))
    assert sent.isoformat() == "2026-11-28T09:30:00+00:00"
