"""The admin page for business hours and SLA policies, over HTTP: what it saves, what it
refuses and why, and that only an admin may use it."""
from __future__ import annotations

import html
import re

from web.test_admin_actions import flash_of
from web.test_console_http import callback_url, csrf, login, shop  # noqa: F401 - fixtures


def test_admin_sets_a_calendar_and_a_policy(client, shop):  # noqa: F811
    login(client, "admin@acme-apparel.test")
    token = csrf(client)
    r = client.post("/admin/hours/calendar", data={
        "csrf_token": token, "name": "Berlin office", "timezone": "Europe/Berlin",
        "hours": "mon-fri 09:00-12:00 13:00-17:00\nfri 22:00-02:00", "holidays": "DE-BY",
        "closed": "2026-12-24, 2026-12-31", "default": "1"})
    assert "Calendar Berlin office saved" in flash_of(r.text)
    r = client.post("/admin/hours/sla", data={
        "csrf_token": token, "name": "VIP <b>fast</b>", "first_reply": "15",
        "resolution": "1440:calendar", "calendar": "Berlin office", "when": "vip=true",
        "at_risk": "0.8", "community": "1"})
    assert "SLA policy VIP <b>" not in r.text        # a name is escaped
    page = client.get("/admin/hours").text
    table = re.search(r'<table class="grid" id="calendars">.*?</table>', page, re.S).group(0)
    assert "fri 09:00-12:00 13:00-17:00 22:00-02:00" in table and "DE-BY" in table
    assert "2026-12-24, 2026-12-31" in table and "default" in table
    policies = re.search(r'<table class="grid" id="policies">.*?</table>', page, re.S).group(0)
    assert "VIP &lt;b&gt;fast&lt;/b&gt;" in policies and "vip = True" in policies
    assert "resolution 1440 (calendar time)" in policies and "at risk at 80 %" in policies
    for data, reason in [
        ({"timezone": "Berlin"}, "unknown time zone 'Berlin'"),
        ({"hours": "mon-fri 9 to 5"}, "is not a period"),
        ({"holidays": "XX"}, "no public holidays known"),
        ({"closed": "24.12.2026"}, "is not YYYY-MM-DD"),
    ]:
        form = {"csrf_token": token, "name": "Bad", "timezone": "UTC", "hours": "mon 09:00-10:00",
                **data}
        assert reason in html.unescape(flash_of(client.post("/admin/hours/calendar",
                                                            data=form).text)), data
    for data, reason in [({"first_reply": ""}, "give at least one target"),
                         ({"at_risk": "lots"}, "at risk is a share"),
                         ({"when": "mood=angry"}, "unknown condition 'mood'")]:
        form = {"csrf_token": token, "name": "Bad", "first_reply": "5", **data}
        assert reason in html.unescape(flash_of(client.post("/admin/hours/sla",
                                                            data=form).text)), data
    r = client.post("/admin/hours/sla/delete", data={"csrf_token": token,
                                                     "name": "VIP <b>fast</b>"})
    assert "deleted" in flash_of(r.text)


def test_agents_may_not(client, shop):  # noqa: F811
    login(client, "ana@acme-apparel.test")
    assert client.get("/admin/hours").status_code == 403
    r = client.post("/admin/hours/sla", data={"csrf_token": csrf(client), "name": "X",
                                              "first_reply": "5"})
    assert r.status_code == 403


ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//crowdcare tests//EN\r\nBEGIN:VEVENT\r\n"
       "UID:offsite\r\nDTSTART;VALUE=DATE:20261203\r\nDTEND;VALUE=DATE:20261205\r\n"
       "SUMMARY:Team offsite\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def _calendar(client, token, name, default=False):
    form = {"csrf_token": token, "name": name, "timezone": "Europe/Berlin",
            "hours": "mon-fri 09:00-17:00"}
    if default:
        form["default"] = "1"
    assert "saved" in flash_of(client.post("/admin/hours/calendar", data=form).text)


def _team_id(ws) -> int:
    from crowdcare.store import db
    from crowdcare.store import models as m

    with db.session_scope() as session:
        return session.query(m.Team.id).filter_by(workspace_id=ws.id).scalar()


def test_admin_assigns_a_calendar_to_a_channel_and_a_team(client, shop):  # noqa: F811
    login(client, "admin@acme-apparel.test")
    token = csrf(client)
    _calendar(client, token, "Office", default=True)
    _calendar(client, token, "Night <desk>")
    account, team = shop.api_account["id"], _team_id(shop)
    page = client.get("/admin/hours").text
    assert f'value="channel:{account}"' in page and f'value="team:{team}"' in page
    r = client.post("/admin/hours/assign", data={"csrf_token": token, "calendar": "Night <desk>",
                                                 "target": f"channel:{account}"})
    assert "now follows calendar Night &lt;desk&gt;" in flash_of(r.text)
    r = client.post("/admin/hours/assign", data={"csrf_token": token, "calendar": "Office",
                                                 "target": f"team:{team}"})
    assert "Team Tier 1 now follows calendar Office" in flash_of(r.text)
    listed = {c["name"]: c for c in
              client.get("/api/v1/calendars", headers=shop.admin).json()["items"]}
    assert listed["Night <desk>"]["channel_accounts"] == [account]
    assert listed["Office"]["teams"] == [team]
    # no calendar: back to the default
    r = client.post("/admin/hours/assign", data={"csrf_token": token, "calendar": "",
                                                 "target": f"channel:{account}"})
    assert "Channel account API channel now follows the workspace's default calendar" in \
        html.unescape(flash_of(r.text))
    listed = {c["name"]: c for c in
              client.get("/api/v1/calendars", headers=shop.admin).json()["items"]}
    assert listed["Night <desk>"]["channel_accounts"] == []
    for form, reason in [({"target": "channel:999", "calendar": "Office"},
                          "channel account 999 not found"),
                         ({"target": f"team:{team}", "calendar": "Nope"},
                          "no calendar named 'Nope'"),
                         ({"target": "nothing", "calendar": "Office"},
                          "choose a channel account or a team")]:
        r = client.post("/admin/hours/assign", data={"csrf_token": token, **form})
        assert r.status_code == 200 and reason in html.unescape(flash_of(r.text)), form


def test_admin_uploads_an_ical_file(client, shop):  # noqa: F811
    from datetime import UTC, datetime

    from crowdcare.automation.calendars import calendar_for
    from crowdcare.store import db

    login(client, "admin@acme-apparel.test")
    token = csrf(client)
    _calendar(client, token, "Office", default=True)
    r = client.post("/admin/hours/ical", data={"csrf_token": token, "name": "Office"},
                    files={"file": ("closures.ics", ICS.encode(), "text/calendar")})
    assert "Calendar Office now closes on the events of closures.ics" in flash_of(r.text)
    with db.session_scope() as session:
        cal = calendar_for(session, shop.id)
        assert not cal.is_open(datetime(2026, 12, 3, 10, tzinfo=UTC))   # the offsite
        assert cal.is_open(datetime(2026, 12, 7, 10, tzinfo=UTC))
        assert cal.describe()["hours"][0] == "mon 09:00-17:00"          # hours kept
    assert "+ iCal" in client.get("/admin/hours").text
    big = ICS.replace("END:VCALENDAR", "X-PAD:" + "x" * 1_000_000 + "\r\nEND:VCALENDAR")
    for name, content, reason in [
        ("notes.txt", b"hello", "this is not an iCal file"),
        ("latin.ics", "BEGIN:VCALENDAR caf\u00e9".encode("latin-1"), "is not UTF-8 text"),
        ("broken.ics", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n",
         "the iCal feed cannot be read"),
        ("big.ics", big.encode(), "at most 1000 kB"),
    ]:
        r = client.post("/admin/hours/ical", data={"csrf_token": token, "name": "Office"},
                        files={"file": (name, content, "text/calendar")})
        shown = html.unescape(flash_of(r.text))
        assert r.status_code == 200 and shown.startswith(name) and reason in shown, shown
    r = client.post("/admin/hours/ical", data={"csrf_token": token, "name": "Office"})
    assert "choose an .ics file" in flash_of(r.text)
    r = client.post("/admin/hours/ical", data={"csrf_token": token, "name": "Nope"},
                    files={"file": ("closures.ics", ICS.encode(), "text/calendar")})
    assert "no calendar named 'Nope'" in html.unescape(flash_of(r.text))


def test_admin_deletes_a_calendar_with_reasons(client, shop):  # noqa: F811
    login(client, "admin@acme-apparel.test")
    token = csrf(client)
    _calendar(client, token, "Office", default=True)
    _calendar(client, token, "Night desk")
    _calendar(client, token, "Weekend")
    account, team = shop.api_account["id"], _team_id(shop)
    for target in (f"channel:{account}", f"team:{team}"):
        client.post("/admin/hours/assign", data={"csrf_token": token, "calendar": "Night desk",
                                                 "target": target})
    client.post("/admin/hours/sla", data={"csrf_token": token, "name": "Weekend SLA",
                                          "first_reply": "60", "calendar": "Weekend"})

    def delete(name):
        return html.unescape(flash_of(client.post("/admin/hours/calendar/delete", data={
            "csrf_token": token, "name": name}).text))

    assert "used by SLA policy Weekend SLA" in delete("Weekend")
    assert "is the workspace's default: make another calendar the default first" in \
        delete("Office")
    assert "no calendar named 'Nope'" in delete("Nope")
    said = delete("Night desk")
    assert said == ("Calendar Night desk deleted. channel account API channel, team Tier 1 now follow the "
                    "workspace's default calendar."), said
    names = [c["name"] for c in client.get("/api/v1/calendars", headers=shop.admin).json()
             ["items"]]
    assert names == ["Office", "Weekend"]
    client.post("/admin/hours/sla/delete", data={"csrf_token": token, "name": "Weekend SLA"})
    assert delete("Weekend") == "Calendar Weekend deleted."
    # the only calendar left, the default, may go: the workspace is then always open
    assert "it is always open" in delete("Office")
    assert "None yet: the workspace is always open" in client.get("/admin/hours").text


def test_agents_may_not_change_calendars(client, shop):  # noqa: F811
    login(client, "ana@acme-apparel.test")
    token = csrf(client)
    for url, kwargs in [
        ("/admin/hours/assign", {"data": {"csrf_token": token, "calendar": "",
                                          "target": f"channel:{shop.api_account['id']}"}}),
        ("/admin/hours/ical", {"data": {"csrf_token": token, "name": "Office"},
                               "files": {"file": ("c.ics", ICS.encode(), "text/calendar")}}),
        ("/admin/hours/calendar/delete", {"data": {"csrf_token": token, "name": "Office"}}),
    ]:
        assert client.post(url, **kwargs).status_code == 403, url


def test_calendar_delete_through_the_api_and_cli(client, cli, shop):  # noqa: F811
    body = {"name": "Office", "timezone": "UTC", "hours": ["mon-fri 09:00-17:00"],
            "default": True}
    office = client.put("/api/v1/calendars", json=body, headers=shop.admin).json()
    night = client.put("/api/v1/calendars", json={
        **body, "name": "Night", "default": False,
        "channel_account_ids": [shop.api_account["id"]]}, headers=shop.admin).json()
    assert client.delete(f"/api/v1/calendars/{night['id']}",
                         headers=shop.agent).status_code == 403
    r = client.delete(f"/api/v1/calendars/{office['id']}", headers=shop.admin)
    assert r.status_code == 409 and "the workspace's default" in r.json()["detail"]
    assert client.delete("/api/v1/calendars/999999", headers=shop.admin).status_code == 404
    r = client.delete(f"/api/v1/calendars/{night['id']}", headers=shop.admin)
    assert r.status_code == 200 and r.json()["channel_account_ids"] == [shop.api_account["id"]]
    result = cli("calendar", "delete", "Nope", ok=False)
    assert result.exit_code == 2 and "no calendar named 'Nope'" in result.stderr
    done = cli.json("calendar", "delete", "Office")
    assert done["deleted"] == "Office" and "always open" in done["message"]
    assert cli.json("calendar", "list")["items"] == []
