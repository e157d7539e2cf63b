"""Finding 4: sessions end (a copied cookie stops working); finding 12: API tokens are listed,
revoked and expire, and the stream's token never reaches the access log."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from crowdcare import clock
from web.test_console_http import PW, csrf, login, token

ANA = "ana@acme-apparel.test"


@pytest.fixture
def shop(cli):
    from support.fixtures import make_workspace

    ws = make_workspace(cli)
    for email in (ANA, "admin@acme-apparel.test"):
        cli("agent", "password", email, "--password", PW)
    return ws


@pytest.fixture
def thief(client):
    """A second browser, given a copy of the victim's cookie."""
    with TestClient(client.app) as other:
        yield other


def steal(client, thief) -> None:
    thief.cookies.set("crowdcare_session", client.cookies.get("crowdcare_session"))
    assert thief.get("/inbox", follow_redirects=False).status_code == 200


def signed_out(browser) -> bool:
    return (browser.get("/inbox", follow_redirects=False).status_code == 303
            and browser.get("/api/v1/conversations").status_code == 401)


def test_signing_out_ends_a_copied_cookie(client, thief, shop):
    login(client, ANA)
    steal(client, thief)
    assert client.post("/logout", data={"csrf_token": csrf(client)},
                       follow_redirects=False).status_code == 303
    assert signed_out(thief)


def test_a_new_password_ends_every_session(client, cli, thief, shop):
    login(client, ANA)
    steal(client, thief)
    cli("agent", "password", ANA, "--password", "a-brand-new-one")
    assert signed_out(client) and signed_out(thief)


def test_a_reset_link_ends_every_session(client, thief, shop):
    from crowdcare.actions import people
    from crowdcare.store import db
    from crowdcare.store import models as m

    login(client, ANA)
    steal(client, thief)
    with db.session_scope() as session:
        link = people.reset_token(session.get(m.Agent, shop.agent_id))
    with TestClient(client.app) as me:
        page = me.get(f"/reset/{link}")
        me.post(f"/reset/{link}", data={"password": "reset-and-new", "confirm": "reset-and-new",
                                        "csrf_token": token(page.text)})
    assert signed_out(client) and signed_out(thief)


def test_deactivation_ends_sessions_for_good(client, thief, shop):
    login(client, ANA)
    steal(client, thief)
    for active in (False, True):   # reactivated: the old cookie stays dead
        r = client.patch(f"/api/v1/agents/{shop.agent_id}", headers=shop.admin,
                         json={"active": active})
        assert r.status_code == 200 and r.json()["active"] is active
    assert signed_out(thief)


def test_an_admin_signs_an_agent_out_everywhere_from_the_console_and_the_api(client, thief,
                                                                            shop):
    login(client, ANA)
    steal(client, thief)
    with TestClient(client.app) as admin:
        login(admin, "admin@acme-apparel.test")
        page = admin.get("/admin/agents").text
        assert f'action="/admin/agents/{shop.agent_id}/sign-out"' in page
        r = admin.post(f"/admin/agents/{shop.agent_id}/sign-out",
                       data={"csrf_token": token(page)}, follow_redirects=True)
        assert "signed out everywhere" in r.text
    assert signed_out(client) and signed_out(thief)
    login(client, ANA)
    r = client.post(f"/api/v1/agents/{shop.agent_id}/sign-out", headers=shop.admin)
    assert r.status_code == 200 and signed_out(client)
    r = client.post(f"/api/v1/agents/{shop.agent_id}/sign-out", headers=shop.agent)
    assert r.status_code == 403


# --- API tokens ---------------------------------------------------------------------------------

def test_tokens_are_listed_revoked_and_expire_through_the_api(client, shop):
    made = client.post("/api/v1/tokens", headers=shop.agent,
                       json={"name": "zapier", "expires_in_days": 1})
    assert made.status_code == 201, made.text
    mine = {"Authorization": f"Bearer {made.json()['token']}"}
    assert client.get("/api/v1/conversations", headers=mine).status_code == 200
    listed = client.get("/api/v1/tokens", headers=shop.agent).json()["items"]
    assert {t["name"] for t in listed} == {"cli", "zapier"}
    assert all("token" not in t and "token_hash" not in t for t in listed)
    everyone = client.get("/api/v1/tokens", headers=shop.admin).json()["items"]
    assert len(everyone) == 3   # an admin sees the workspace's
    clock.travel(timedelta(days=1, minutes=1))
    try:
        assert client.get("/api/v1/conversations", headers=mine).status_code == 401
    finally:
        clock.reset()
    cli_token = next(t for t in listed if t["name"] == "cli")
    r = client.post(f"/api/v1/tokens/{cli_token['id']}/revoke", headers=shop.agent)
    assert r.status_code == 200 and r.json()["revoked"] is True
    assert client.get("/api/v1/conversations", headers=shop.agent).status_code == 401
    bad = client.post("/api/v1/tokens", headers=shop.admin, json={"expires_in_days": -1})
    assert bad.status_code == 422


def test_another_workspaces_tokens_cannot_be_revoked(client, cli, shop):
    from support.fixtures import make_workspace

    rival = make_workspace(cli, "Globex Gear")
    theirs = client.get("/api/v1/tokens", headers=rival.admin).json()["items"][0]
    r = client.post(f"/api/v1/tokens/{theirs['id']}/revoke", headers=shop.admin)
    assert r.status_code == 404
    assert client.get("/api/v1/conversations", headers=rival.admin).status_code == 200


def test_tokens_through_the_cli_and_the_admin_console(client, cli, shop):
    made = cli.json("token", "create", "--agent", ANA, "--name", "ci", "--expires-in-days", "7")
    assert made["expires_at"]
    items = cli.json("token", "list", "-w", "acme-apparel", "--agent", ANA)["items"]
    assert [t["name"] for t in items] == ["ci", "cli"]
    cli("token", "revoke", made["id"])
    bearer = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/v1/conversations", headers=bearer).status_code == 401
    login(client, "admin@acme-apparel.test")
    page = client.get("/admin/agents").text
    assert "ci" in page and "revoked" in page and made["token"] not in page
    ana_row = next(t for t in items if t["name"] == "cli")
    r = client.post(f"/admin/tokens/{ana_row['id']}/revoke", data={"csrf_token": token(page)},
                    follow_redirects=True)
    assert "revoked" in r.text
    assert client.get("/api/v1/conversations", headers=shop.agent).status_code == 401
    r = client.post("/admin/tokens", data={"agent_id": shop.agent_id, "name": "zap",
                                           "days": "30", "csrf_token": token(page)},
                    follow_redirects=True)
    shown = r.text.split("(shown this once): ")[1].split("<")[0].strip()
    assert client.get("/api/v1/conversations",
                      headers={"Authorization": f"Bearer {shown}"}).status_code == 200


def test_the_stream_token_is_not_written_to_the_logs(shop):
    """uvicorn logs each request line and each websocket's path with its query string (at the
    default `info` level, access log or not): the app blanks tokens in both."""
    import asyncio
    import threading

    import httpx
    import uvicorn
    from websockets.sync.client import connect

    from crowdcare.app import create_app
    from crowdcare.channels.testing import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app, factory=True, host="127.0.0.1",
                                           port=port, access_log=True, log_level="info"))
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    loggers = [logging.getLogger(n) for n in ("uvicorn.access", "uvicorn.error")]
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    try:
        while not server.started:   # a real server's start-up, not a time being waited out
            assert thread.is_alive(), "the server did not start"
            threading.Event().wait(0.01)
        for logger in loggers:
            logger.addHandler(handler)
        with connect(f"ws://127.0.0.1:{port}/api/v1/stream?token={shop.agent_token}") as ws:
            ws.send("ping")
            assert "pong" in ws.recv(timeout=10)
        httpx.get(f"http://127.0.0.1:{port}/api/v1/conversations?token={shop.agent_token}")
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        server.should_exit = True
        thread.join(10)
    assert any("WebSocket /api/v1/stream" in line for line in lines), lines
    assert any("/api/v1/conversations" in line for line in lines), lines
    assert all(shop.agent_token not in line for line in lines), lines
    assert any("token=[redacted]" in line for line in lines)
