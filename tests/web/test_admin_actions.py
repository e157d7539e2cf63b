"""Every admin action of the console over HTTP: what it changes, what it refuses and why,
and who may use it (agents: 403; another workspace's rows: 404; no CSRF token: 403)."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from support.fixtures import drain

from .test_console_http import (  # noqa: F401 - fixtures
    PW,
    callback_url,
    csrf,
    login,
    rival,
    say,
    shop,
)


def flash_of(html: str) -> str:
    found = re.search(r'<div class="flash (?:ok|error)">(.*?)</div>', html, re.S)
    return found.group(1) if found else ""


@pytest.fixture
def admin(client, shop):  # noqa: F811
    login(client, "admin@acme-apparel.test")
    return csrf(client)


def rows(model, *where):
    from crowdcare.store import db

    with db.session_scope() as session:
        found = session.scalars(select(model).where(*where).order_by(model.id)).all()
        session.expunge_all()
        return found


def api_account(shop):  # noqa: F811
    from crowdcare.store import models as m

    return rows(m.ChannelAccount, m.ChannelAccount.id == shop.api_account["id"])[0]


# --- channels ---------------------------------------------------------------------------------

def test_an_api_channels_callback_url_is_set_in_the_console_and_replies_reach_it(
        client, shop, admin, cli):  # noqa: F811
    from crowdcare.channels.testing import CallbackReceiver, serve_in_thread

    account = cli.json("channel", "add", "api", "-w", "acme-apparel", "--name", "Kiosk chat")
    inbound = {"Authorization": f"Bearer {account['secrets']['inbound_token']}"}
    client.post(f"/webhooks/api/{account['id']}", headers=inbound, json={
        "id": "k1", "customer": {"id": "k-1", "name": "Kim"}, "text": "Where is my order?"})
    drain()
    cid = [c["id"] for c in client.get("/api/v1/conversations", headers=shop.agent).json()
           ["items"] if c["channel_account_id"] == account["id"]][0]
    page = client.get(f"/c/{cid}").text
    assert "no callback URL" in page and 'id="send" disabled' in page   # the gate says why
    receiver = CallbackReceiver()
    with serve_in_thread(receiver.app) as base:
        r = client.post(f"/admin/channels/{account['id']}", data={
            "csrf_token": admin, "name": "Kiosk chat", "cfg_callback_url": f"{base}/callback",
            "cfg_callback_secret": "", "cfg_inbound_token": ""})
        assert "saved" in flash_of(r.text)
        from crowdcare.store import models as m
        row = rows(m.ChannelAccount, m.ChannelAccount.id == account["id"])[0]
        assert row.config["callback_url"] == f"{base}/callback"
        # the secrets left blank were kept
        assert row.config["inbound_token"] == account["secrets"]["inbound_token"]
        assert row.config["callback_secret"] == account["secrets"]["callback_secret"]
        assert "You can reply now" in client.get(f"/c/{cid}").text
        client.post(f"/c/{cid}/reply", data={"csrf_token": admin, "text": "On its way!"})
        drain()
        assert [json.loads(c["body"])["text"] for c in receiver.received] == ["On its way!"]


def test_channel_edits_are_validated(client, shop, admin, cli):  # noqa: F811
    from crowdcare.store import models as m

    cli("channel", "add", "messenger", "-w", "acme-apparel", "--name", "Facebook page",
        "--page-id", "1234567", "--page-token", "t", "--app-secret", "s", "--verify-token", "v")
    page_row = rows(m.ChannelAccount, m.ChannelAccount.kind == "messenger")[0]
    api_id = shop.api_account["id"]
    cases = [
        (f"/admin/channels/{page_row.id}", {"cfg_page_id": "not-a-number"}, "digits only"),
        (f"/admin/channels/{api_id}", {"name": "Facebook page"}, "already has a channel named"),
        (f"/admin/channels/{api_id}", {"name": "  "}, "needs a name"),
        (f"/admin/channels/{api_id}", {"cfg_callback_url": "not a url"}, "callback_url"),
        (f"/admin/channels/{page_row.id}", {"cfg_profile": "{not json"}, "not valid JSON"),
        (f"/admin/channels/{page_row.id}", {"cfg_profile": json.dumps(
            {"persistent_menu": [{"title": "Shop", "url": "https://x.example"}]})},
         "Get Started"),
        ("/admin/channels/messenger", {"name": "Page two", "page_id": "not-a-number",
                                       "page_token": "t", "app_secret": "s",
                                       "verify_token": "v"}, "digits only"),
        ("/admin/channels/messenger", {"name": "facebook PAGE", "page_id": "999",
                                       "page_token": "t", "app_secret": "s",
                                       "verify_token": "v"}, "already has a channel named"),
        ("/admin/channels/api", {"name": "Web", "callback_url": "ftp://x"}, "callback_url"),
    ]
    for path, data, reason in cases:
        r = client.post(path, data={"csrf_token": admin, **data})
        assert reason in flash_of(r.text), (path, data, flash_of(r.text))
    assert rows(m.ChannelAccount, m.ChannelAccount.id == page_row.id)[0].config["page_id"] == \
        "1234567"
    assert len(rows(m.ChannelAccount)) == 2   # nothing was added
    # a good profile is saved and shown as data, not as a Python dict
    profile = {"get_started_payload": "GET_STARTED", "greeting": "Hi there, ask us anything"}
    r = client.post(f"/admin/channels/{page_row.id}", data={
        "csrf_token": admin, "cfg_profile": json.dumps(profile)})
    assert "saved" in flash_of(r.text)
    assert "Hi there, ask us anything" in r.text and "{'get_started_payload'" not in r.text
    r = client.post("/admin/channels/api", data={"csrf_token": admin, "name": "Kiosk",
                                                 "callback_url": "https://kiosk.example/cb"})
    assert "API channel Kiosk added" in flash_of(r.text)


def test_a_disabled_channel_refuses_webhooks_and_sending_and_comes_back(
        client, shop, admin):  # noqa: F811
    say(client, shop, 1, "Where is my order?")
    cid = client.get("/api/v1/conversations", headers=shop.agent).json()["items"][0]["id"]
    api_id = shop.api_account["id"]
    r = client.post(f"/admin/channels/{api_id}/active", data={"csrf_token": admin, "active": "0"})
    assert "disabled" in flash_of(r.text)
    from crowdcare.store import accounts
    accounts._cache.clear()
    r = client.post(shop.webhook, headers=shop.inbound, json={
        "id": "x2", "customer": {"id": "c-1"}, "text": "hello?"})
    assert r.status_code == 404
    page = client.get(f"/c/{cid}").text
    assert "is disabled" in page and 'id="send" disabled' in page
    r = client.post(f"/api/v1/conversations/{cid}/replies", json={"text": "hi"},
                    headers=shop.agent)
    assert r.status_code == 409 and "disabled" in r.json()["detail"]
    client.post(f"/admin/channels/{api_id}/active", data={"csrf_token": admin, "active": "1"})
    accounts._cache.clear()
    assert "You can reply now" in client.get(f"/c/{cid}").text


def test_only_an_unused_channel_is_deleted(client, shop, admin, cli):  # noqa: F811
    from crowdcare.store import models as m

    say(client, shop, 1, "Where is my order?")
    r = client.post(f"/admin/channels/{shop.api_account['id']}/delete",
                    data={"csrf_token": admin})
    assert "1 conversation: disable it instead" in flash_of(r.text)
    spare = cli.json("channel", "add", "api", "-w", "acme-apparel", "--name", "Spare")
    r = client.post(f"/admin/channels/{spare['id']}/delete", data={"csrf_token": admin})
    assert "Spare deleted" in flash_of(r.text)
    assert [a.name for a in rows(m.ChannelAccount)] == ["API channel"]


def test_channel_names_are_unique_per_workspace_not_across(client, shop, rival, cli):  # noqa: F811
    r = cli("channel", "add", "api", "-w", "acme-apparel", "--name", "api channel", ok=False)
    assert r.exit_code != 0 and "already has a channel named" in r.output
    cli("channel", "add", "api", "-w", "globex-gear", "--name", "Web chat")
    cli("channel", "add", "api", "-w", "acme-apparel", "--name", "Web chat")
    second = cli.json("channel", "add", "api", "-w", "acme-apparel")   # a default name
    assert second["name"] == "API channel 2"


# --- agents -----------------------------------------------------------------------------------

def test_agents_are_edited_deactivated_and_reset_by_link(client, shop, admin):  # noqa: F811
    from crowdcare.store import models as m

    ana = rows(m.Agent, m.Agent.email == "ana@acme-apparel.test")[0]
    me = rows(m.Agent, m.Agent.email == "admin@acme-apparel.test")[0]
    team = rows(m.Team)[0]
    r = client.post(f"/admin/agents/{ana.id}", data={
        "csrf_token": admin, "name": "Ana Silva", "role": "admin", "teams": []})
    assert "Ana Silva saved (admin)" in flash_of(r.text)
    assert rows(m.Agent, m.Agent.id == ana.id)[0].role == "admin"
    client.post(f"/admin/agents/{ana.id}", data={"csrf_token": admin, "name": "Ana Silva",
                                                 "role": "agent", "teams": [str(team.id)]})
    from crowdcare.store import db
    with db.session_scope() as session:
        assert [t.id for t in session.get(m.Agent, ana.id).teams] == [team.id]
    for data, reason in [({"role": "boss"}, "role must be one of"),
                         ({"name": ""}, "1 to 200 characters"),
                         ({"teams": ["99999"]}, "not in this workspace")]:
        r = client.post(f"/admin/agents/{ana.id}", data={"csrf_token": admin, "name": "Ana",
                                                         "role": "agent", **data})
        assert reason in flash_of(r.text)
    # nobody demotes or deactivates themselves; the workspace keeps an active admin
    r = client.post(f"/admin/agents/{me.id}", data={"csrf_token": admin, "name": me.name,
                                                    "role": "agent"})
    assert "cannot change your own role" in flash_of(r.text)
    r = client.post(f"/admin/agents/{me.id}/active", data={"csrf_token": admin, "active": "0"})
    assert "deactivate yourself" in flash_of(r.text)

    # a deactivated agent is signed out at their next request
    login(client, "ana@acme-apparel.test")
    ana_cookie = client.cookies.get("crowdcare_session")
    login(client, "admin@acme-apparel.test")
    admin = csrf(client)
    r = client.post(f"/admin/agents/{ana.id}/active", data={"csrf_token": admin, "active": "0"})
    assert "deactivated" in flash_of(r.text)
    assert not rows(m.Agent, m.Agent.id == ana.id)[0].active
    r = client.post(f"/admin/agents/{ana.id}/reset", data={"csrf_token": admin})
    assert "inactive: reactivate them first" in flash_of(r.text)
    admin_cookie = client.cookies.get("crowdcare_session")
    client.cookies.clear()
    client.cookies.set("crowdcare_session", ana_cookie)
    assert client.get("/inbox", follow_redirects=False).status_code == 303   # to /login
    client.cookies.clear()
    client.cookies.set("crowdcare_session", admin_cookie)
    r = client.post(f"/admin/agents/{ana.id}/active", data={"csrf_token": admin, "active": "1"})
    assert "reactivated" in flash_of(r.text)

    # a password reset link: works once, with a password of 8 or more characters
    r = client.post(f"/admin/agents/{ana.id}/reset", data={"csrf_token": admin})
    link = re.search(r"(/reset/[\w.-]+)", flash_of(r.text)).group(1)
    client.cookies.clear()
    page = client.get(link)
    assert page.status_code == 200 and "ana@acme-apparel.test" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(link, data={"csrf_token": token, "password": "short", "confirm": "short"})
    assert r.status_code == 422 and "at least 8 characters" in r.text
    r = client.post(link, data={"csrf_token": token, "password": "brand-new-pass",
                                "confirm": "other-pass"})
    assert r.status_code == 422 and "differ" in r.text
    r = client.post(link, data={"csrf_token": token, "password": "brand-new-pass",
                                "confirm": "brand-new-pass"})
    assert r.status_code == 200 and "Password set" in r.text
    assert login(client, "ana@acme-apparel.test", "brand-new-pass").status_code == 303
    client.cookies.clear()
    r = client.get(link)
    assert r.status_code == 400 and "used already" in r.text
    assert client.get(link[:-3] + "abc").status_code == 400


def test_the_last_admin_stays(client, shop, admin, cli):  # noqa: F811
    from crowdcare.store import models as m

    cli("agent", "add", "boss@acme-apparel.test", "--role", "admin", "-w", "acme-apparel")
    boss = rows(m.Agent, m.Agent.email == "boss@acme-apparel.test")[0]
    r = client.post(f"/admin/agents/{boss.id}", data={"csrf_token": admin, "name": "Boss",
                                                      "role": "agent"})
    assert "saved (agent)" in flash_of(r.text)   # another admin remains: me


# --- canned responses ---------------------------------------------------------------------------

def test_canned_responses_are_edited_and_validated(client, shop, admin):  # noqa: F811
    from crowdcare.store import models as m

    client.post("/admin/canned", data={"csrf_token": admin, "shortcut": "/Returns",
                                       "title": "Returns", "body": "Hi {{customer.name}}"})
    client.post("/admin/canned", data={"csrf_token": admin, "shortcut": "where",
                                       "title": "Where", "body": "Order {order_number}"})
    returns, where = rows(m.CannedResponse)
    assert returns.shortcut == "returns"
    r = client.post(f"/admin/canned/{returns.id}", data={
        "csrf_token": admin, "shortcut": "ret", "title": "Returns policy",
        "body": "Return within 30 days, {{customer.first_name}}."})
    assert "/ret saved" in flash_of(r.text)
    for data, reason in [({"shortcut": "where"}, "/where already exists"),
                         ({"shortcut": "two words"}, "lower-case letters"),
                         ({"body": "Hi {{customer.nickname}}"}, "unknown variable"),
                         ({"body": " "}, "needs a body"),
                         ({"title": ""}, "needs a title")]:
        r = client.post(f"/admin/canned/{returns.id}", data={
            "csrf_token": admin, "shortcut": "ret", "title": "Returns", "body": "ok", **data})
        assert reason in flash_of(r.text), (data, flash_of(r.text))
    assert rows(m.CannedResponse, m.CannedResponse.id == returns.id)[0].title == "Returns policy"


# --- routing rules ------------------------------------------------------------------------------

def test_routing_rules_are_data_edited_in_the_console(client, shop, admin):  # noqa: F811
    from crowdcare.store import models as m

    def add(name, when, then):
        return client.post("/admin/rules", data={"csrf_token": admin, "name": name,
                                                 "when": when, "then": then})
    assert "added" in flash_of(add("Refunds to tier 2", '{"text": {"contains": "refund"}}',
                                   '{"route": "tier2"}').text)
    assert "added" in flash_of(add("Canada", '{"text": {"contains": "canada"}}',
                                   '{"priority": "+20"}').text)
    for when, then, reason in [("{nope", '{"route": "tier2"}', "when: not valid JSON"),
                               ('{"mood": "sad"}', '{"route": "tier2"}', "unknown field"),
                               ('{"text": {"near": "x"}}', '{"route": "tier2"}', "unknown test"),
                               ("{}", '{"route": "boss"}', "unknown route"),
                               ("{}", '{"priority": "lots"}', "priority must be a number"),
                               ("{}", "{}", "needs a route, a team or a priority"),
                               ("[]", '{"route": "tier2"}', "an object")]:
        r = add("Bad", when, then)
        assert reason in flash_of(r.text), (when, then, flash_of(r.text))
    first, second = rows(m.Rule)
    # the rules route new messages, in order
    say(client, shop, 1, "I want a refund for my order")
    convs = client.get("/api/v1/conversations", headers=shop.agent).json()["items"]
    assert convs[0]["route"] == "tier2"
    r = client.post(f"/admin/rules/{first.id}", data={
        "csrf_token": admin, "name": "Refunds to tier 2", "when": '{"text": {"contains": '
        '"refund"}}', "then": '{"route": "tier2"}'})   # no "enabled": switched off
    assert "saved" in flash_of(r.text) and not rows(m.Rule, m.Rule.id ==
                                                    first.id)[0].enabled
    client.post(f"/admin/rules/{second.id}/move", data={"csrf_token": admin, "step": "-1"})
    assert [r.id for r in sorted(rows(m.Rule), key=lambda r: r.position)] == [
        second.id, first.id]
    # try it on a text: the workspace's rules and keywords, nothing stored
    page = client.get("/admin/rules", params={"text": "Do you ship to Canada?"}).text
    assert "rule &#39;Canada&#39;" in page or "rule 'Canada'" in page
    assert 'id="try-result"' in page
    r = client.post(f"/admin/rules/{first.id}/delete", data={"csrf_token": admin})
    assert "deleted" in flash_of(r.text) and len(rows(m.Rule)) == 1


def test_the_triage_page_shows_the_built_in_words(client, shop, admin):  # noqa: F811
    page = client.get("/admin/triage").text
    legal = re.search(r'id="builtin-legal">(.*?)</div>', page, re.S).group(1)
    assert "lawyer" in legal and "attorney" in legal
    assert "refund" in re.search(r'id="builtin-service">(.*?)</div>', page, re.S).group(1)


# --- who may -------------------------------------------------------------------------------------

def admin_posts(shop, ids):  # noqa: F811
    return [
        (f"/admin/channels/{ids['channel']}", {"name": "X"}),
        (f"/admin/channels/{ids['channel']}/active", {"active": "0"}),
        (f"/admin/channels/{ids['channel']}/delete", {}),
        ("/admin/channels/api", {"name": "New"}),
        (f"/admin/agents/{ids['agent']}", {"name": "X", "role": "agent"}),
        (f"/admin/agents/{ids['agent']}/active", {"active": "0"}),
        (f"/admin/agents/{ids['agent']}/reset", {}),
        (f"/admin/canned/{ids['canned']}", {"shortcut": "x", "title": "x", "body": "x"}),
        (f"/admin/canned/{ids['canned']}/delete", {}),
        ("/admin/rules", {"name": "r", "when": "{}", "then": '{"route": "tier1"}'}),
        (f"/admin/rules/{ids['rule']}", {"name": "r", "when": "{}", "then": '{"route": "tier1"}'}),
        (f"/admin/rules/{ids['rule']}/move", {"step": "1"}),
        (f"/admin/rules/{ids['rule']}/delete", {}),
    ]


def _ids(shop):  # noqa: F811
    from crowdcare.store import db
    from crowdcare.store import models as m

    with db.session_scope() as session:
        canned = m.CannedResponse(workspace_id=shop.id, shortcut="hi", title="Hi", body="Hi")
        rule = m.Rule(workspace_id=shop.id, name="r", rule={"then": {"route": "tier1"}})
        session.add_all([canned, rule])
        session.flush()
        agent = session.scalar(select(m.Agent.id).where(m.Agent.workspace_id == shop.id,
                                                         m.Agent.role == "agent"))
        return {"channel": shop.api_account["id"], "agent": agent, "canned": canned.id,
                "rule": rule.id}


def test_admin_actions_need_an_admin_of_the_workspace_and_the_csrf_token(
        client, shop, rival):  # noqa: F811
    from crowdcare.store import models as m

    ids = _ids(shop)
    before = [(a.name, a.active) for a in rows(m.ChannelAccount)]
    login(client, "ana@acme-apparel.test")   # an agent of the workspace
    token = csrf(client)
    for path, data in admin_posts(shop, ids):
        r = client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)
        assert r.status_code == 403, path
    login(client, "admin@acme-apparel.test")
    for path, data in admin_posts(shop, ids):
        r = client.post(path, data=data, follow_redirects=False)
        assert r.status_code == 403, path   # no token
    login(client, "ana@globex-gear.test")    # an agent elsewhere: still not an admin
    assert client.get("/admin/channels", follow_redirects=False).status_code == 403
    assert [(a.name, a.active) for a in rows(m.ChannelAccount)] == before
    assert len(rows(m.Rule)) == 1 and len(rows(m.CannedResponse)) == 1


def test_another_workspaces_rows_are_not_found(client, shop, rival, cli):  # noqa: F811
    from crowdcare.store import models as m

    ids = _ids(shop)
    cli("agent", "password", "admin@globex-gear.test", "--password", PW)
    login(client, "admin@globex-gear.test")
    token = csrf(client)
    for path, data in admin_posts(shop, ids):
        if path in ("/admin/channels/api", "/admin/rules"):
            continue   # these create in the caller's own workspace
        r = client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)
        assert r.status_code == 404, path
    assert rows(m.ChannelAccount, m.ChannelAccount.id == ids["channel"])[0].active
