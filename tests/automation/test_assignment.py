"""Automatic assignment through the API and the CLI: round robin in a team, limited by
capacity, availability and skills; queued work offered again when an agent frees up."""
from __future__ import annotations

import threading

import pytest

from support.fixtures import BACKEND, drain, make_workspace

ES = "¿Dónde está mi pedido? No ha llegado todavía"
EN = "Where is my order? It has not arrived yet"


def say(client, ws, n: int, text: str) -> dict:
    r = client.post(ws.webhook, headers=ws.inbound,
                    json={"id": f"m-{n}", "customer": {"id": f"c-{n}"}, "text": text})
    assert r.status_code in (200, 202), r.text
    drain()
    items = client.get("/api/v1/tickets", headers=ws.admin, params={"limit": 200}).json()
    return max(items["items"], key=lambda t: t["id"])


@pytest.fixture
def team(cli, client):
    ws = make_workspace(cli)
    slug = "acme-apparel"
    for email, name in (("bo@acme-apparel.test", "Bo"), ("cy@acme-apparel.test", "Cy")):
        cli("agent", "add", email, "--name", name, "-w", slug, "--team", "Tier 1")
    cli("agent", "routing", "ana@acme-apparel.test", "--capacity", "1", "--language", "es")
    cli("agent", "routing", "bo@acme-apparel.test", "--capacity", "2", "--language", "en")
    away = cli.json("agent", "routing", "cy@acme-apparel.test", "--availability", "away")
    assert away["availability"] == "away" and away["capacity"] is None
    r = client.post("/api/v1/rules", headers=ws.admin, json={
        "name": "Tier 1 takes requests", "when": {"service_related": True},
        "then": {"team": "Tier 1", "assign": "round_robin"}})
    assert r.status_code == 201, r.text
    return ws


def test_round_robin_honours_capacity_availability_and_skills(client, team):
    ws = team
    first = say(client, ws, 1, ES)
    who = {a["email"]: a["id"] for a in client.get("/api/v1/agents", headers=ws.admin)
           .json()["items"]}
    assert first["assignee_id"] == who["ana@acme-apparel.test"]
    why = first["assignment"]["reasons"]
    assert why[0] == "round robin in Tier 1: ana at 1/1, speaks es", why
    assert "Bo lacks es" in why[1] and "Cy away" in why[1]

    # Spanish again: Ana is full, Bo does not speak it, Cy is away: it waits, saying why
    second = say(client, ws, 2, ES)
    assert second["assignee_id"] is None and second["assignment_queued_at"]
    assert second["assignment"]["waiting"] is True
    assert "ana full 1/1" in second["assignment"]["reasons"][-1]

    # English: Bo (any number of turns, up to his capacity of 2), never past it
    third, fourth = say(client, ws, 3, EN), say(client, ws, 4, EN)
    assert third["assignee_id"] == fourth["assignee_id"] == who["bo@acme-apparel.test"]
    assert fourth["assignment"]["reasons"][0].startswith("round robin in Tier 1: Bo at 2/2")
    fifth = say(client, ws, 5, EN)
    assert fifth["assignee_id"] is None and "Bo full 2/2" in fifth["assignment"]["reasons"][-1]


def test_queued_work_is_offered_again_when_an_agent_frees_up(client, cli, team):
    ws = team
    mine, waiting_es = say(client, ws, 1, ES), say(client, ws, 2, ES)
    say(client, ws, 3, EN), say(client, ws, 4, EN)
    waiting_en = say(client, ws, 5, EN)
    assert waiting_es["assignee_id"] is None and waiting_en["assignee_id"] is None

    # Ana solves hers: the Spanish ticket waiting in her team is hers now
    r = client.patch(f"/api/v1/tickets/{mine['id']}", headers=ws.agent, json={"status": "solved"})
    assert r.status_code == 200, r.text
    got = client.get(f"/api/v1/tickets/{waiting_es['id']}", headers=ws.admin).json()
    assert got["assignee_id"] == ws.agent_id and got["assignment_queued_at"] is None
    assert got["assignment"]["by"] == "offered again"
    # the English one still waits (Ana does not speak... she has no English, Bo is full)
    assert client.get(f"/api/v1/tickets/{waiting_en['id']}",
                      headers=ws.admin).json()["assignee_id"] is None

    # Cy comes online (speaks anything, no limit): the English ticket is hers
    token = cli.json("token", "create", "--agent", "cy@acme-apparel.test")["token"]
    r = client.put("/api/v1/me/availability", json={"availability": "online"},
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["availability"] == "online", r.text
    got = client.get(f"/api/v1/tickets/{waiting_en['id']}", headers=ws.admin).json()
    assert got["assignment"]["agent"] == "Cy", got["assignment"]

    # an agent's settings are checked: clear 422s
    r = client.put(f"/api/v1/agents/{ws.agent_id}/routing", headers=ws.admin,
                   json={"intents": ["astrology"]})
    assert r.status_code == 422 and "unknown intent astrology" in r.json()["detail"]
    assert client.put(f"/api/v1/agents/{ws.agent_id}/routing", headers=ws.agent,
                      json={"capacity": 3}).status_code == 403
    bad = cli("agent", "routing", "ana@acme-apparel.test", "--availability", "asleep", ok=False)
    assert bad.exit_code == 2 and "availability is online, away, offline" in bad.output


def test_reassigning_frees_the_agent_it_left(client, team):
    ws = team
    mine, waiting = say(client, ws, 1, ES), say(client, ws, 2, ES)
    who = {a["email"]: a["id"] for a in client.get("/api/v1/agents", headers=ws.admin)
           .json()["items"]}
    r = client.patch(f"/api/v1/tickets/{mine['id']}", headers=ws.admin,
                     json={"assignee_id": who["admin@acme-apparel.test"]})
    assert r.status_code == 200
    assert client.get(f"/api/v1/tickets/{waiting['id']}",
                      headers=ws.admin).json()["assignee_id"] == ws.agent_id


@pytest.mark.skipif(BACKEND != "postgresql", reason="row locks: PostgreSQL")
def test_two_workers_assigning_at_once_never_exceed_capacity(client, team):
    """Two transactions offer two tickets to a team whose only free agent has room for one:
    the second waits on the first's row lock, then counts again and queues its ticket."""
    from crowdcare.automation import assign
    from crowdcare.store import db
    from crowdcare.store import models as m

    ws = team
    # the tickets exist first, unassigned, in Tier 1 (Spanish: only Ana can take one)
    rule = client.get("/api/v1/rules", headers=ws.admin).json()["items"][0]
    assert client.delete(f"/api/v1/rules/{rule['id']}", headers=ws.admin).status_code == 204
    client.post("/api/v1/rules", headers=ws.admin, json={
        "name": "team only", "when": {}, "then": {"team": "Tier 1"}})
    a, b = say(client, ws, 1, ES), say(client, ws, 2, ES)
    assert a["assignee_id"] is None and b["assignee_id"] is None
    results: dict[str, object] = {}
    first = db.new_session()
    try:
        results["a"] = assign.offer(first, first.get(m.Ticket, a["id"]))   # holds the lock
        first.flush()

        def other() -> None:
            with db.session_scope() as second:
                got = assign.offer(second, second.get(m.Ticket, b["id"]))
                results["b"] = got.id if got else None
        worker = threading.Thread(target=other)
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive(), "the second offer did not wait for the first's lock"
        first.commit()
        worker.join(timeout=30)
        assert not worker.is_alive()
    finally:
        first.close()
    assert results["a"] is not None and results["b"] is None
    assert client.get(f"/api/v1/tickets/{b['id']}", headers=ws.admin).json()[
        "assignment"]["waiting"] is True
