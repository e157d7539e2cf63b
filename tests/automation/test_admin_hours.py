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
