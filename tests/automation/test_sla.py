"""SLA clocks end to end: customers write through the API channel's real webhook, agents act
through the REST API, policies are set through the CLI, the clock is set (never slept), and
the sweep runs as the server's worker runs it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from crowdcare import clock
from crowdcare.automation.sweep import run_due
from crowdcare.events import names
from crowdcare.store import db
from crowdcare.store import models as m
from support.fixtures import drain

BER = ZoneInfo("Europe/Berlin")
WHERE = "Hi, where is my order NW-1001? It was due on Monday."
NEWS = "Any news on my order? Still waiting for it."


@pytest.fixture
def desk(cli, client, answered):
    cli.json("calendar", "set", "Office", "--timezone", "Europe/Berlin",
             "--hours", "mon-fri 09:00-17:00", "--default")
    yield Desk(cli, client, answered)
    clock.reset()


def at(*args) -> datetime:
    return datetime(*args, tzinfo=BER)


class Desk:
    def __init__(self, cli, client, ws):
        self.cli, self.client, self.ws, self.n = cli, client, ws, 0
        self.ticket_id = None

    def set(self, when: datetime) -> None:
        clock.freeze(when)

    def say(self, text: str = WHERE) -> None:
        self.n += 1
        r = self.client.post(self.ws.webhook, headers=self.ws.inbound, json={
            "id": f"s-{self.n}", "customer": {"id": "c-1", "name": "Maya Chen"}, "text": text,
            "timestamp": clock.now().isoformat()})
        assert r.status_code == 200, r.text
        drain()

    def conversation(self) -> dict:
        items = self.client.get("/api/v1/conversations", params={"status": "all"},
                                headers=self.ws.agent).json()["items"]
        return self.client.get(f"/api/v1/conversations/{items[0]['id']}",
                               headers=self.ws.agent).json()

    def sla(self) -> dict:
        """The ticket's (the conversation lists only an open one; a solved one is by id)."""
        ticket = self.conversation()["ticket"]
        if ticket is not None:
            self.ticket_id = ticket["id"]
        return self.client.get(f"/api/v1/tickets/{self.ticket_id}",
                               headers=self.ws.agent).json()["sla"]

    def target(self, name: str) -> dict:
        return self.sla()["targets"][name]

    def answer(self, note: bool = False) -> None:
        r = self.client.post(f"/api/v1/conversations/{self.conversation()['id']}/replies",
                             json={"text": "Looking into it now.", "note": note},
                             headers=self.ws.agent)
        assert r.status_code in (200, 201), r.text
        drain()

    def status(self, status: str) -> None:
        self.sla()
        r = self.client.patch(f"/api/v1/tickets/{self.ticket_id}", json={"status": status},
                              headers=self.ws.agent)
        assert r.status_code == 200, r.text

    def events(self, name: str) -> list[dict]:
        with db.session_scope() as session:
            return [e.payload for e in session.scalars(select(m.Event).where(
                m.Event.name == name).order_by(m.Event.id))]


def due(data: dict) -> datetime:
    return datetime.fromisoformat(data["due_at"]).astimezone(BER)


def test_friday_1630_with_one_business_hour_is_due_monday_0930(desk):
    desk.cli.json("sla", "add", "Standard", "--first-reply", "60", "--resolution", "480")
    desk.set(at(2026, 11, 27, 16, 30))          # a Friday
    desk.say()
    conv = desk.conversation()
    sla = conv["ticket"]["sla"]
    assert sla["policy"]["name"] == "Standard" and sla["calendar"] == "Office"
    assert due(sla["targets"]["first_reply"]) == at(2026, 11, 30, 9, 30)
    assert due(sla["targets"]["resolution"]) == at(2026, 11, 30, 16, 30)   # 8 business hours
    assert sla["targets"]["first_reply"]["state"] == "active"
    # the conversation's JSON carries the nearest due time and the state for the inbox
    assert conv["sla"] == {"state": "active", "due_at": sla["targets"]["first_reply"]["due_at"]}
    desk.set(at(2026, 11, 30, 9, 10))
    desk.answer()
    first = desk.target("first_reply")
    assert first["state"] == "met" and first["met_at"]


def test_paused_while_pending_and_resumed_with_the_deadline_moved(desk):
    desk.cli.json("sla", "add", "Standard", "--first-reply", "60", "--resolution", "240")
    desk.set(at(2026, 11, 30, 10, 0))           # Monday
    desk.say()
    desk.set(at(2026, 11, 30, 10, 20))
    desk.status("pending")
    paused = desk.sla()
    assert paused["paused"] and paused["state"] == "paused"
    assert paused["targets"]["first_reply"]["due_at"] is None
    assert paused["targets"]["first_reply"]["left_minutes"] == 40
    desk.set(at(2026, 11, 30, 14, 0))
    run_due()                                     # nothing runs down while paused
    assert desk.sla()["state"] == "paused"
    desk.status("open")
    assert due(desk.target("first_reply")) == at(2026, 11, 30, 14, 40)
    # resolution: 4 business hours from 10:00, 3 h 40 min paused -> 17:40 is past closing,
    # so Tuesday 09:40
    assert due(desk.target("resolution")) == at(2026, 12, 1, 9, 40)


def test_a_reopened_ticket_resumes_instead_of_escalating_at_once(desk):
    desk.cli.json("sla", "add", "Standard", "--resolution", "120")
    desk.set(at(2026, 11, 30, 10, 0))
    desk.say()
    desk.set(at(2026, 11, 30, 11, 0))
    desk.status("solved")
    assert desk.target("resolution")["state"] == "met"
    desk.set(at(2026, 12, 1, 10, 0))            # reopened the next day
    desk.status("open")
    resolution = desk.target("resolution")
    assert resolution["state"] == "active"
    assert due(resolution) == at(2026, 12, 1, 11, 0)   # the hour that was left


def test_a_policy_change_recomputes_at_once_without_back_dating(desk):
    desk.cli.json("sla", "add", "Standard", "--first-reply", "120")
    desk.set(at(2026, 11, 30, 10, 0))
    desk.say()
    assert due(desk.target("first_reply")) == at(2026, 11, 30, 12, 0)
    desk.set(at(2026, 11, 30, 11, 30))
    desk.cli.json("sla", "add", "Standard", "--first-reply", "60")   # tighter, mid-way
    first = desk.target("first_reply")
    assert first["state"] == "breached"
    # due at 11:00 under the new terms, but breached as of the change, not back-dated
    assert due(first) == at(2026, 11, 30, 11, 0)
    assert datetime.fromisoformat(first["breached_at"]) == at(2026, 11, 30, 11, 30)
    assert len(desk.events(names.SLA_BREACHED)) == 1
    desk.set(at(2026, 11, 30, 11, 40))
    desk.cli.json("sla", "add", "Standard", "--first-reply", "240")  # looser again
    first = desk.target("first_reply")
    assert first["state"] == "breached"            # a recorded breach stays
    assert due(first) == at(2026, 11, 30, 14, 0)
    assert len(desk.events(names.SLA_BREACHED)) == 1
    assert desk.sla()["breaches"][0]["target"] == "first_reply"


def test_a_calendar_change_recomputes_open_tickets(desk):
    desk.cli.json("sla", "add", "Standard", "--first-reply", "60")
    desk.set(at(2026, 11, 27, 16, 30))
    desk.say()
    assert due(desk.target("first_reply")) == at(2026, 11, 30, 9, 30)
    desk.cli.json("calendar", "set", "Office", "--timezone", "Europe/Berlin",
                  "--hours", "mon-fri 09:00-17:00", "--hours", "sat 10:00-14:00", "--default")
    assert due(desk.target("first_reply")) == at(2026, 11, 28, 10, 30)


def test_next_reply_runs_from_the_customers_new_message(desk):
    desk.cli.json("sla", "add", "Standard", "--first-reply", "60", "--next-reply", "30",
                  "--periodic-update", "120")
    desk.set(at(2026, 11, 30, 10, 0))
    desk.say()
    assert "next_reply" not in desk.sla()["targets"]      # until there is a first reply
    desk.set(at(2026, 11, 30, 10, 5))
    desk.answer(note=True)                                 # a note never counts
    assert desk.target("first_reply")["state"] == "active"
    desk.set(at(2026, 11, 30, 10, 10))
    desk.answer()
    assert desk.target("first_reply")["state"] == "met"
    assert due(desk.target("periodic_update")) == at(2026, 11, 30, 12, 10)
    desk.set(at(2026, 11, 30, 10, 30))
    desk.say(NEWS)
    nxt = desk.target("next_reply")
    assert nxt["state"] == "active" and due(nxt) == at(2026, 11, 30, 11, 0)
    desk.set(at(2026, 11, 30, 10, 40))
    desk.say("Hello? Is anyone there? Where is my parcel?")   # the oldest still counts
    assert due(desk.target("next_reply")) == at(2026, 11, 30, 11, 0)
    desk.set(at(2026, 11, 30, 10, 50))
    desk.answer()
    assert desk.target("next_reply")["state"] == "met"
    assert due(desk.target("periodic_update")) == at(2026, 11, 30, 12, 50)


def test_at_risk_and_breach_events_are_emitted_once(desk):
    desk.cli.json("sla", "add", "Standard", "--first-reply", "60")
    desk.set(at(2026, 11, 30, 10, 0))
    desk.say()
    assert datetime.fromisoformat(desk.target("first_reply")["at_risk_at"]) == \
        at(2026, 11, 30, 10, 45)
    desk.set(at(2026, 11, 30, 10, 44))
    run_due()
    assert desk.events(names.SLA_AT_RISK) == []
    desk.set(at(2026, 11, 30, 10, 46))
    run_due()
    run_due()
    risk = desk.events(names.SLA_AT_RISK)
    assert len(risk) == 1 and risk[0]["target"] == "first_reply"
    assert desk.conversation()["sla"]["state"] == "at_risk"
    desk.set(at(2026, 11, 30, 11, 5))
    run_due()
    run_due()
    breached = desk.events(names.SLA_BREACHED)
    assert len(breached) == 1 and breached[0]["policy"]["name"] == "Standard"
    # detected late by the sweep, the breach is dated at the deadline itself
    assert datetime.fromisoformat(breached[0]["breached_at"]) == at(2026, 11, 30, 11, 0)
    assert desk.target("first_reply")["state"] == "breached"
    desk.set(at(2026, 11, 30, 11, 10))
    desk.answer()                                  # answering late keeps the breach
    assert desk.target("first_reply")["state"] == "breached"
    assert len(desk.events(names.SLA_BREACHED)) == 1


def test_first_match_wins_then_the_fallback(desk):
    desk.cli.json("sla", "add", "VIP", "--first-reply", "15", "--when", "vip=true")
    desk.cli.json("sla", "add", "API desk", "--first-reply", "30", "--when", "channel=api",
                  "--when", "language=en")
    desk.cli.json("sla", "add", "Everyone", "--first-reply", "240", "--fallback")
    desk.cli.json("sla", "add", "API desk", "--band", "urgent", "--first-reply", "5",
                  "--when", "channel=api", "--when", "language=en")
    desk.set(at(2026, 11, 30, 10, 0))
    desk.say()
    sla = desk.sla()
    assert sla["policy"]["name"] == "API desk"
    assert sla["policy"]["why"] == "matched: channel api; language en"
    assert sla["targets"]["first_reply"]["minutes"] == (5 if sla["band"] == "urgent" else 30)
    listed = desk.cli.json("sla", "list")["items"]
    assert [p["name"] for p in listed] == ["VIP", "API desk", "Everyone"]
    assert listed[2]["fallback"] and listed[1]["targets"]["urgent"]["first_reply"]["minutes"] == 5
    # the conditions no longer match: the fallback applies
    desk.cli.json("sla", "add", "API desk", "--first-reply", "30", "--when", "channel=x")
    assert desk.sla()["policy"] == {"id": listed[2]["id"], "name": "Everyone",
                                    "why": "fallback: no other policy matched"}


def test_calendar_time_targets_ignore_business_hours(desk):
    desk.cli.json("sla", "add", "Round the clock", "--first-reply", "60:calendar")
    desk.set(at(2026, 11, 27, 16, 30))
    desk.say()
    assert due(desk.target("first_reply")) == at(2026, 11, 27, 17, 30)
    assert desk.target("first_reply")["business"] is False


def test_sla_errors_are_clear(desk):
    for args, message in [
        (["X"], "give at least one target"),
        (["X", "--first-reply", "soon"], "is minutes"),
        (["X", "--first-reply", "60", "--when", "colour=red"], "unknown condition 'colour'"),
        (["X", "--first-reply", "60", "--when", "priority=asap"], "priority is a band"),
        (["X", "--first-reply", "60", "--when", "vip"], "is not FIELD=VALUE"),
        (["X", "--first-reply", "60", "--calendar", "Nope"], "no calendar named 'Nope'"),
        (["X", "--first-reply", "60", "--band", "mega"], "band is all or one of"),
        (["X", "--first-reply", "60", "--at-risk", "1.5"], "at risk is a share"),
        (["X", "--first-reply", "60", "--fallback", "--when", "vip=true"], "no conditions"),
    ]:
        result = desk.cli("sla", "add", *args, ok=False)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
    r = desk.client.post("/api/v1/sla/policies", json={"name": "X", "first_reply": "abc"},
                         headers=desk.ws.admin)
    assert r.status_code == 422 and "is minutes" in r.text
    r = desk.client.put("/api/v1/calendars", json={"name": "X", "timezone": "Nowhere/Land",
                                                   "hours": ["mon 09:00-10:00"]},
                        headers=desk.ws.admin)
    assert r.status_code == 422 and "unknown time zone" in r.text
    r = desk.client.post("/api/v1/sla/policies", json={"name": "X", "first_reply": 60},
                         headers=desk.ws.agent)
    assert r.status_code == 403


def test_policies_and_calendars_through_the_api(desk):
    r = desk.client.put("/api/v1/calendars", headers=desk.ws.admin, json={
        "name": "Weekend", "timezone": "America/New_York", "hours": ["sat,sun 10:00-14:00"],
        "holidays": "US-NY", "team_ids": []})
    assert r.status_code == 200 and r.json()["holidays"] == "US-NY", r.text
    r = desk.client.post("/api/v1/sla/policies", headers=desk.ws.admin, json={
        "name": "Weekend VIPs", "first_reply": 30, "resolution": "1440:calendar",
        "calendar": "Weekend", "when": {"vip": True}, "counts_bot": True})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["calendar"] == "Weekend" and body["conditions"] == {"vip": [True]}
    assert body["targets"]["all"]["resolution"] == {"minutes": 1440, "business": False}
    names_ = [c["name"] for c in desk.client.get("/api/v1/calendars",
                                                 headers=desk.ws.agent).json()["items"]]
    assert names_ == ["Office", "Weekend"]
    assert desk.client.get("/api/v1/sla/policies", headers=desk.ws.agent).json()["items"][0][
        "name"] == "Weekend VIPs"
    assert desk.client.delete("/api/v1/sla/policies/Weekend VIPs",
                              headers=desk.ws.admin).status_code == 204


def test_no_policy_no_sla(desk):
    desk.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC) + timedelta(hours=1))
    desk.say()
    conv = desk.conversation()
    assert conv["ticket"]["sla"] is None and conv["sla"] is None
