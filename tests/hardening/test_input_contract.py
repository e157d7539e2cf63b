"""Bad input is a 4xx in the documented shape, never a 500: numbers past 2**63 anywhere a
request carries one (finding 9), pydantic's errors as {"detail", "field"}, explicit null on a
PATCH, aborted uploads (finding 14)."""
from __future__ import annotations

import logging
import re
import socket
from urllib.parse import urlsplit

import pytest
from starlette.websockets import WebSocketDisconnect

from crowdcare.app import create_app
from crowdcare.channels.testing import serve_in_thread
from support.fixtures import drain

HUGE = 2**64


def _ticket(client, workspace) -> dict:
    client.post(workspace.webhook, headers=workspace.inbound,
                json={"id": "m-1", "customer": {"id": "c-1"}, "text": "where is my parcel?"})
    drain()
    return client.get("/api/v1/tickets", headers=workspace.agent).json()["items"][0]


@pytest.mark.parametrize("method,path,body", [
    ("GET", f"/api/v1/tickets/{HUGE}", None),
    ("GET", f"/api/v1/conversations/{HUGE}", None),
    ("GET", f"/api/v1/customers/{HUGE}", None),
    ("POST", f"/api/v1/deliveries/{HUGE}/retry", None),
    ("GET", f"/api/v1/tickets?assignee_id={HUGE}", None),
    ("GET", f"/api/v1/conversations?customer_id={HUGE}", None),
    ("POST", "/api/v1/orders", {"customer_id": HUGE, "number": "N-1",
                                "items": [{"title": "Shoe", "unit_price": 1}]}),
    ("POST", f"/webhooks/api/{HUGE}", {"id": "m", "customer": {"id": "c"}}),
])
def test_numbers_past_64_bits_are_404_or_422(client, workspace, method, path, body):
    r = client.request(method, path, json=body, headers=workspace.admin)
    assert r.status_code in (404, 422), (r.status_code, r.text[:300])
    if r.status_code == 422:
        assert set(r.json()) == {"detail", "field"}


def _console(client, cli, workspace) -> str:
    """Signed in to the console as the workspace's admin; the page's CSRF token."""
    cli("agent", "password", "admin@acme-apparel.test", "--password", "console-pass-1")
    client.cookies.clear()
    page = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": "admin@acme-apparel.test", "password": "console-pass-1",
                                "next": "/inbox", "csrf_token": csrf}, follow_redirects=False)
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/inbox").text).group(1)


def test_console_paths_forms_and_sockets_past_64_bits_are_404_or_422(client, cli, workspace):
    ticket = _ticket(client, workspace)
    csrf = _console(client, cli, workspace)
    for path in (f"/c/{HUGE}", f"/c/{ticket['conversation_id']}/m/{HUGE}", f"/c/{HUGE}/side"):
        r = client.get(path)
        assert r.status_code in (404, 422), (path, r.status_code)
    for path, form in ((f"/admin/agents/{HUGE}/active", {"active": "0"}),
                       ("/inbox/bulk", {"ids": str(HUGE), "action": "assign-me"}),
                       (f"/c/{ticket['conversation_id']}/link", {"customer_id": str(HUGE)})):
        r = client.post(path, data={**form, "csrf_token": csrf}, follow_redirects=False)
        assert r.status_code in (404, 422), (path, r.status_code, r.text[:200])
    for path in (f"/web/live?last_event_id={HUGE}", f"/web/presence/{HUGE}"):
        with pytest.raises(WebSocketDisconnect), client.websocket_connect(path) as ws:
            ws.receive_text()


def test_a_number_past_64_bits_in_a_patch_body_names_its_field(client, workspace):
    ticket = _ticket(client, workspace)
    r = client.patch(f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": HUGE},
                     headers=workspace.agent)
    assert r.status_code == 422 and r.json()["field"] == "assignee_id"


def test_stream_with_an_event_id_past_64_bits_is_refused_not_crashed(client, workspace):
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
            f"/api/v1/stream?last_event_id={HUGE}", headers=workspace.agent) as ws:
        ws.receive_text()
    assert refused.value.code == 1008


def test_validation_errors_have_the_documented_shape(client, workspace):
    r = client.get("/api/v1/tickets?limit=0", headers=workspace.agent)
    assert r.status_code == 422
    assert r.json()["field"] == "limit" and "limit" in r.json()["detail"]
    r = client.post("/api/v1/orders", json={"number": "N-1"}, headers=workspace.agent)
    assert r.status_code == 422 and set(r.json()) == {"detail", "field"}
    assert r.json()["field"] == "customer_id" and "items: Field required" in r.json()["detail"]


@pytest.mark.parametrize("field", ["status", "priority", "tags"])
def test_explicit_null_on_a_patch_is_422_not_409_or_500(client, workspace, field):
    ticket = _ticket(client, workspace)
    r = client.patch(f"/api/v1/tickets/{ticket['id']}", json={field: None},
                     headers=workspace.agent)
    assert r.status_code == 422, r.text
    assert r.json() == {"detail": f"{field}: may not be null", "field": field}
    # null still clears what may be empty
    r = client.patch(f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": None},
                     headers=workspace.agent)
    assert r.status_code == 200


def test_explicit_null_on_an_agent_patch_is_422(client, workspace):
    r = client.patch(f"/api/v1/agents/{workspace.agent_id}", json={"name": None},
                     headers=workspace.admin)
    assert r.status_code == 422 and r.json()["field"] == "name"


@pytest.mark.parametrize("field", ["languages", "topics", "email_alerts"])
def test_explicit_null_on_an_advocates_profile_is_422(client, cli, workspace, field):
    cli("agent", "add", "sam@community.test", "--role", "advocate")
    token = cli.json("token", "create", "--agent", "sam@community.test")["token"]
    r = client.patch("/api/v1/community/me", json={field: None},
                     headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422 and r.json()["field"] == field


def test_an_order_item_without_quantity_counts_one(client, workspace):
    ticket = _ticket(client, workspace)
    order = client.post("/api/v1/orders", headers=workspace.agent, json={
        "customer_id": ticket["customer_id"], "number": "N-7",
        "items": [{"title": "Shoe", "unit_price": 10, "quantity": 2}]}).json()
    r = client.patch(f"/api/v1/orders/{order['id']}", headers=workspace.agent,
                     json={"items": [{"title": "Boot", "unit_price": 30}]})
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["quantity"] == 1 and r.json()["subtotal"] == 30


def test_an_aborted_upload_logs_one_line_not_a_traceback(db, workspace, caplog):
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    keep = Keep(logging.INFO)
    caplog.set_level(logging.INFO, logger="crowdcare")
    loggers = [logging.getLogger(n) for n in ("uvicorn.error", "crowdcare")]
    for logger in loggers:
        logger.addHandler(keep)
    try:
        with serve_in_thread(create_app()) as base:
            host, port = urlsplit(base).hostname, urlsplit(base).port
            for path, auth in ((workspace.webhook, workspace.inbound),
                               ("/api/v1/kb/import?format=csv", workspace.admin)):
                with socket.create_connection((host, port)) as sock:
                    sock.sendall((f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
                                  f"Authorization: {auth['Authorization']}\r\n"
                                  "Content-Type: application/json\r\n"
                                  "Content-Length: 100000\r\n\r\n{\"id\": ").encode())
                drain_deadline(records)
    finally:
        for logger in loggers:
            logger.removeHandler(keep)
    assert not [r for r in records if r.exc_info], [r.getMessage() for r in records]
    gone = [r for r in records if "disconnected" in r.getMessage()]
    assert len(gone) == 2, [r.getMessage() for r in records]


def drain_deadline(records: list, wait: float = 5.0) -> None:
    """Until the server has logged what it made of the aborted request (a real server in a
    thread: the only wait in this file, bounded)."""
    import time

    seen, deadline = len(records), time.monotonic() + wait
    while len(records) == seen and time.monotonic() < deadline:
        time.sleep(0.01)
