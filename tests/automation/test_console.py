"""The console's admin pages for rules and agents' assignment settings, and the ticket bar's
explanation of an assignment (HTTP, signed in as an admin)."""
from __future__ import annotations

import html
import re

from support.fixtures import drain, make_workspace

PW = "correct-horse-battery"


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def flash_of(page: str) -> str:
    found = re.search(r'<div class="flash (?:ok|error)">(.*?)</div>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def test_rules_and_assignment_are_set_in_the_console(client, cli):
    ws = make_workspace(cli)
    cli("agent", "password", "admin@acme-apparel.test", "--password", PW)
    page = client.get("/login")
    client.post("/login", data={"email": "admin@acme-apparel.test", "password": PW,
                                "next": "/admin/rules", "csrf_token": csrf(page.text)})
    token = csrf(client.get("/admin/rules").text)

    # a rule on another event, checked like the API's
    r = client.post("/admin/rules", data={
        "csrf_token": token, "name": "Assign requests", "event": "ticket.created",
        "when": '{"service_related": true}', "then": '{"team": "Tier 1", "assign": "round_robin"}'})
    assert "added" in flash_of(r.text), flash_of(r.text)
    r = client.post("/admin/rules", data={"csrf_token": token, "name": "Bad",
                                          "event": "ticket.created",
                                          "when": '{"sla.target": "first_reply"}',
                                          "then": '{"tags": ["x"]}'})
    assert "unknown field 'sla.target'" in flash_of(r.text)
    r = client.post("/admin/rules", data={"csrf_token": token, "name": "Bad", "event": "x.y",
                                          "then": '{"tags": ["x"]}'})
    assert "unknown event 'x.y'" in flash_of(r.text)
    rule = client.get("/api/v1/rules", headers=ws.admin).json()["items"][0]
    assert rule["event"] == "ticket.created" and rule["then"]["assign"] == "round_robin"
    page = client.get("/admin/rules").text
    assert f'id="rule-{rule["id"]}"' in page and "ticket.created" in page

    # switched off and on again
    r = client.post(f"/admin/rules/{rule['id']}/enabled", data={"csrf_token": token,
                                                                "enabled": "0"})
    assert "disabled" in flash_of(r.text)
    assert client.get(f"/api/v1/rules/{rule['id']}", headers=ws.admin).json()["enabled"] is False
    client.post(f"/admin/rules/{rule['id']}/enabled", data={"csrf_token": token, "enabled": "1"})

    # Ana's capacity and skills, from the agents page
    r = client.post(f"/admin/agents/{ws.agent_id}/routing", data={
        "csrf_token": token, "capacity": "3", "availability": "online",
        "languages": "en, es", "intents": "order_status"})
    assert "assignment settings saved" in flash_of(r.text), flash_of(r.text)
    got = client.get(f"/api/v1/agents/{ws.agent_id}/routing", headers=ws.admin).json()
    assert (got["capacity"], got["languages"], got["intents"]) == (3, ["en", "es"],
                                                                   ["order_status"])
    r = client.post(f"/admin/agents/{ws.agent_id}/routing", data={
        "csrf_token": token, "capacity": "lots", "availability": "online"})
    assert "capacity is a number" in flash_of(r.text)
    r = client.post(f"/admin/agents/{ws.agent_id}/routing", data={
        "csrf_token": token, "capacity": "", "availability": "napping"})
    assert "availability is online, away, offline" in flash_of(r.text)
    page = client.get("/admin/agents").text
    assert "0/3 open" in page and "speaks en, es" in page

    # a request arrives: assigned by the rule, and the ticket bar says why
    r = client.post(ws.webhook, headers=ws.inbound, json={
        "id": "m-1", "customer": {"id": "c-1", "name": "Maya Chen"},
        "text": "Where is my order? It has not arrived <b>yet</b>"})
    assert r.status_code == 200
    drain()
    ticket = client.get("/api/v1/tickets", headers=ws.admin).json()["items"][0]
    assert ticket["assignee_id"] == ws.agent_id
    page = client.get(f"/c/{ticket['conversation_id']}").text
    why = re.search(r'id="assignment-why"[^>]*>(.*?)</span>', page, re.S).group(1)
    assert html.unescape(why) == ("Why ana: round robin in Tier 1: ana at 1/3, speaks en, "
                                  "takes order_status")


def test_an_agent_switches_their_availability_in_the_top_bar(client, cli):
    ws = make_workspace(cli)
    cli("agent", "password", "ana@acme-apparel.test", "--password", PW)
    page = client.get("/login")
    client.post("/login", data={"email": "ana@acme-apparel.test", "password": PW,
                                "next": "/inbox", "csrf_token": csrf(page.text)})
    inbox = client.get("/inbox").text
    assert 'id="availability"' in inbox and "<option selected>online</option>" in inbox
    r = client.post("/me/availability", data={"csrf_token": csrf(inbox), "availability": "away"})
    assert flash_of(r.text) == "You are away."
    assert client.get(f"/api/v1/agents/{ws.agent_id}/routing",
                      headers=ws.admin).json()["availability"] == "away"
    r = client.post("/me/availability", data={"csrf_token": csrf(inbox), "availability": "gone"})
    assert "availability is online, away, offline" in flash_of(r.text)
