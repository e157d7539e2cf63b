"""The rules engine through the API and the CLI: a rule on each event fires its actions;
webhooks reach a real local receiver, signed, and are retried; rules are checked when saved."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crowdcare import clock
from crowdcare.channels.api.adapter import sign
from support.fixtures import drain, make_workspace

PW = "correct-horse-battery"
REQUEST = "Where is my order? It has not arrived yet"


@pytest.fixture
def shop(cli, receiver):
    ws = make_workspace(cli, callback_url=receiver.url)
    cli("agent", "add", "raj@acme-apparel.test", "--name", "Raj", "-w", "acme-apparel",
        "--team", "Tier 2")
    return ws


def add(client, ws, **rule) -> dict:
    r = client.post("/api/v1/rules", headers=ws.admin, json=rule)
    assert r.status_code == 201, r.text
    return r.json()


def say(client, ws, n: int, text: str = REQUEST, name: str = "Maya Chen") -> dict:
    r = client.post(ws.webhook, headers=ws.inbound,
                    json={"id": f"m-{n}", "customer": {"id": f"c-{n}", "name": name},
                          "text": text})
    assert r.status_code == 200, r.text
    drain()
    return max(client.get("/api/v1/tickets", headers=ws.admin).json()["items"],
               key=lambda t: t["id"])


def events(name: str) -> list:
    from crowdcare.store import db
    from crowdcare.store import models as m

    with db.session_scope() as session:
        return [(e.audience, e.payload) for e in session.scalars(
            select(m.Event).where(m.Event.name == name).order_by(m.Event.id))]


def timeline(client, ws, conversation_id: int) -> list[dict]:
    return client.get(f"/api/v1/conversations/{conversation_id}",
                      headers=ws.admin).json()["messages"]


def canned(client, shortcut: str, body: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"email": "admin@acme-apparel.test", "password": PW,
                                "next": "/admin/canned", "csrf_token": token})
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/admin/canned").text).group(1)
    r = client.post("/admin/canned", data={"csrf_token": token, "shortcut": shortcut,
                                           "title": shortcut, "body": body})
    assert r.status_code == 200 and "saved" in r.text


def test_a_rule_on_each_event_fires_its_actions(client, cli, shop):
    ws = shop
    cli("agent", "password", "admin@acme-apparel.test", "--password", PW)
    canned(client, "thanks", "Thanks {{customer.first_name}}, glad we could help!")
    add(client, ws, name="Orders, open hours", event="message.received",
        when={"intent": "order_status", "business_hours": True, "customer.name": {
            "contains": "maya"}},
        then={"tags": ["orders"], "assign": "ana@acme-apparel.test"})
    add(client, ws, name="Never when closed", when={"business_hours": False},
        then={"tags": ["closed"]})
    add(client, ws, name="New tickets", event="ticket.created", when={"channel": "api"},
        then={"tags": ["new"]})
    add(client, ws, name="Urgent: tell the assignee", event="ticket.updated",
        when={"priority": {"gte": 90}, "assigned": True}, then={"notify": "assignee"})
    add(client, ws, name="Thank on solve", event="ticket.solved", when={"tags": "orders"},
        then={"reply": "thanks"})
    add(client, ws, name="Breached first reply", event="sla.breached",
        when={"sla.target": "first_reply"}, then={"team": "Tier 2", "priority": "+30"})
    add(client, ws, name="Detractor", event="survey.answered",
        when={"survey.score": {"lte": 2}}, then={"tags": ["detractor"],
                                                 "notify": ["raj@acme-apparel.test"]})

    # message.received and ticket.created
    ticket = say(client, ws, 1)
    assert ticket["assignee_id"] == ws.agent_id
    assert ticket["tags"] == ["new", "orders"]
    assert ticket["assignment"]["by"] == "rule 'Orders, open hours'"
    notes = [m["text"] for m in timeline(client, ws, ticket["conversation_id"])
             if m["status"] == "note"]
    assert any(n.startswith("Rule 'Orders, open hours' (message.received): tags") for n in notes)
    assert any(n.startswith("Rule 'New tickets' (ticket.created)") for n in notes)
    other = say(client, ws, 2, name="Tom Li")   # conditions fail: no action
    assert other["tags"] == ["new"] and other["assignee_id"] is None

    # ticket.updated: the assignee hears of it in their own stream, nobody else
    r = client.patch(f"/api/v1/tickets/{ticket['id']}", headers=ws.admin, json={"priority": 95})
    assert r.status_code == 200
    notices = events("rule.notice")
    assert [a for a, _ in notices] == [f"agent:{ws.agent_id}"]
    assert "Urgent: tell the assignee" in notices[0][1]["text"]

    # sla.breached (the SLA clock calls the engine's entry point) and survey.answered
    from crowdcare.automation import run
    from crowdcare.store import db
    from crowdcare.store import models as m

    with db.session_scope() as session:
        row = session.get(m.Ticket, ticket["id"])
        run.on_event(session, row, "sla.breached", {"sla.target": "next_reply"})   # no match
        run.on_event(session, row, "sla.breached", {"sla.target": "first_reply"})
        run.on_event(session, row, "survey.answered", {"survey.kind": "csat", "survey.score": 1})
    got = client.get(f"/api/v1/tickets/{ticket['id']}", headers=ws.admin).json()
    teams = {t["name"]: t["id"] for t in client.get("/api/v1/teams", headers=ws.admin)
             .json()["items"]}
    assert got["team_id"] == teams["Tier 2"] and got["priority"] == 100
    assert "detractor" in got["tags"]
    raj = [a for a in client.get("/api/v1/agents", headers=ws.admin).json()["items"]
           if a["email"] == "raj@acme-apparel.test"][0]
    assert f"agent:{raj['id']}" in [a for a, _ in events("rule.notice")]

    # ticket.solved: the canned reply goes out through the policy gate, to the customer
    r = client.patch(f"/api/v1/tickets/{ticket['id']}", headers=ws.agent,
                     json={"status": "solved"})
    assert r.status_code == 200
    drain()
    sent = [m for m in timeline(client, ws, ticket["conversation_id"])
            if m["direction"] == "outbound" and m["status"] != "note"]
    assert [m["text"] for m in sent] == ["Thanks Maya, glad we could help!"]
    assert sent[0]["status"] == "sent" and sent[0]["author"] == "system"


def test_a_webhook_action_reaches_a_real_receiver_signed_and_retried(client, cli, shop,
                                                                      receiver):
    ws = shop
    rule = add(client, ws, name="Tell the CRM", when={"service_related": True},
               then={"webhook": receiver.url})
    secret = client.get("/api/v1/rules-webhook-secret", headers=ws.admin).json()["secret"]
    say(client, ws, 1)
    receiver.received.clear()   # the channel's own callbacks are not what we look at
    done = cli.json("rule", "webhooks", "--send", "-w", "acme-apparel")
    assert done["sent"] == 1 and done["items"][0]["status"] == "sent"
    call = [c for c in receiver.received if c["headers"].get("x-crowdcare-event")][0]
    body = json.loads(call["body"])
    assert body["event"] == "message.received" and body["rule"]["id"] == rule["id"]
    assert body["message"]["text"] == REQUEST and body["ticket"]["status"] in ("new", "open")
    stamp = call["headers"]["x-crowdcare-timestamp"]
    assert call["headers"]["x-crowdcare-signature"] == sign(secret, stamp, call["body"])

    # the receiver fails: retried after a backoff, on the injected clock
    receiver.fail_next.extend([500])
    say(client, ws, 2)
    failed = cli.json("rule", "webhooks", "--send")["items"][0]
    assert failed["status"] == "queued" and failed["attempts"] == 1
    assert failed["last_error"] == "HTTP 500"
    assert cli.json("rule", "webhooks", "--send")["sent"] == 0   # not due yet
    clock.travel(timedelta(seconds=31))
    again = cli.json("rule", "webhooks", "--send")
    assert again["sent"] == 1 and again["items"][0]["status"] == "sent"
    listed = client.get("/api/v1/webhook-calls", headers=ws.admin).json()["items"]
    assert [c["status"] for c in listed] == ["sent", "sent"]
    # an admin sends one again (their endpoint lost it)
    r = client.post(f"/api/v1/webhook-calls/{listed[1]['id']}/retry", headers=ws.admin)
    assert r.status_code == 200 and r.json()["status"] == "queued"
    assert cli.json("rule", "webhooks", "--send")["sent"] == 1
    assert client.post("/api/v1/webhook-calls/999/retry", headers=ws.admin).status_code == 404


def test_the_sweep_sends_and_retries_webhook_calls(client, cli, shop, receiver):
    """Webhook calls are one of the sweep's due works (no loop of their own): the server's
    sweep, `crowdcare sweep` and run_due send them, and their retries when due."""
    from crowdcare.automation.sweep import run_due

    ws = shop
    add(client, ws, name="Tell the CRM", when={"service_related": True},
        then={"webhook": receiver.url})
    receiver.fail_next.extend([503])
    say(client, ws, 1)
    receiver.received.clear()
    assert cli.json("sweep")["webhooks"] == 1                # tried: the receiver failed
    [call] = client.get("/api/v1/webhook-calls", headers=ws.admin).json()["items"]
    assert (call["status"], call["attempts"], call["last_error"]) == ("queued", 1, "HTTP 503")
    assert run_due(only=["webhooks"]) == {"webhooks": 0}     # its retry is not due yet
    clock.travel(timedelta(seconds=31))
    assert run_due() == {"sla": 0, "surveys": 0, "webhooks": 1}
    [call] = client.get("/api/v1/webhook-calls", headers=ws.admin).json()["items"]
    assert (call["status"], call["attempts"]) == ("sent", 2)
    assert [c for c in receiver.received if c["headers"].get("x-crowdcare-event")]


def test_the_served_process_sends_a_rules_webhook_soon(client, shop, receiver):
    """The serving process's sweep loop (workers on, nothing drained by the test) sends a new
    call within about `worker_poll_seconds`, not `sweep_seconds`."""
    import os
    import time

    import httpx

    from crowdcare.app import create_app
    from crowdcare.channels.testing import serve_in_thread
    from crowdcare.settings import get_settings

    add(client, shop, name="Tell the CRM", when={"service_related": True},
        then={"webhook": receiver.url})
    os.environ["CROWDCARE_RUN_WORKERS"] = "true"
    os.environ["CROWDCARE_SWEEP_SECONDS"] = "3600"     # only the webhooks' pace can send it
    get_settings.cache_clear()
    try:
        with serve_in_thread(create_app()) as base:
            r = httpx.post(f"{base}{shop.webhook}", headers=shop.inbound, json={
                "id": "m-served", "customer": {"id": "c-served", "name": "Maya Chen"},
                "text": REQUEST})
            assert r.status_code == 200, r.text
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not [
                    c for c in receiver.received if c["headers"].get("x-crowdcare-event")]:
                time.sleep(0.05)
    finally:
        os.environ["CROWDCARE_RUN_WORKERS"] = "false"
        os.environ.pop("CROWDCARE_SWEEP_SECONDS")
        get_settings.cache_clear()
    [call] = client.get("/api/v1/webhook-calls", headers=shop.admin).json()["items"]
    assert call["status"] == "sent", call


def test_rules_are_checked_when_saved(client, cli, shop):
    ws = shop
    for rule, reason, field in [
        ({"name": "x", "event": "ticket.created", "when": {"sla.target": "first_reply"},
          "then": {"tags": ["a"]}}, "unknown field 'sla.target'", "when.sla.target"),
        ({"name": "x", "then": {"launch": "rockets"}}, "unknown action 'launch'",
         "then.launch"),
        ({"name": "x", "then": {"webhook": "http://10.0.0.1/hook"}}, "not a public address",
         "then.webhook"),
        ({"name": "x", "then": {"webhook": "ftp://example.com/"}}, "http(s) URL",
         "then.webhook"),
        ({"name": "x", "then": {"assign": "somebody"}}, "round_robin", "then.assign"),
        ({"name": "x", "then": {"notify": ["everyone"]}}, "notify is assignee, team",
         "then.notify"),
        ({"name": "x", "event": "survey.answered", "when": {"survey.score": "high"},
          "then": {"tags": ["a"]}}, "'survey.score' is a number", "when.survey.score"),
        ({"name": "x", "when": {}, "then": {}}, "needs a route, a team or a priority", "then"),
    ]:
        r = client.post("/api/v1/rules", headers=ws.admin, json=rule)
        assert r.status_code == 422, (rule, r.text)
        assert reason in r.json()["detail"] and r.json().get("field") == field, r.json()
    r = client.post("/api/v1/rules", headers=ws.admin,
                    json={"name": "x", "event": "moon.landed", "then": {"tags": ["a"]}})
    assert r.status_code == 422
    bad = cli("rule", "add", "x", "--then", "{nope", ok=False)
    assert bad.exit_code == 2 and "not valid JSON" in bad.output
    bad = cli("rule", "add", "x", "--event", "moon.landed", "--then", '{"tags": ["a"]}', ok=False)
    assert bad.exit_code == 2 and "unknown event 'moon.landed'" in bad.output

    # the CLI and the API see the same rules; disabling one keeps it, off
    made = cli.json("rule", "add", "Solved → survey team", "--event", "ticket.solved",
                    "--then", '{"notify": "team"}')
    assert cli.json("rule", "disable", str(made["id"]))["enabled"] is False
    listed = client.get("/api/v1/rules", headers=ws.admin, params={"event": "ticket.solved"})
    assert [(r["name"], r["enabled"]) for r in listed.json()["items"]] == [
        ("Solved → survey team", False)]
    r = client.patch(f"/api/v1/rules/{made['id']}", headers=ws.admin, json={"enabled": True})
    assert r.status_code == 200 and r.json()["enabled"] is True
    # a non-routing rule is not a routing rule: that API neither lists nor deletes it
    assert client.get("/api/v1/routing-rules", headers=ws.admin).json()["items"] == []
    assert client.delete(f"/api/v1/routing-rules/{made['id']}",
                         headers=ws.admin).status_code == 404
    assert cli.json("rule", "delete", str(made["id"]))["deleted"] == made["id"]
