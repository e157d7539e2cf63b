"""The console's rules over HTTP: sign-in, lock-out, sign-out, CSRF, roles, workspaces."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from support.fixtures import drain, make_workspace

PW = "correct-horse-battery"


@pytest.fixture(scope="module")
def callback_url():
    """The shop's endpoint for API-channel replies (a real local server that acknowledges)."""
    from crowdcare.channels.testing import CallbackReceiver, serve_in_thread

    with serve_in_thread(CallbackReceiver().app) as base:
        yield f"{base}/callback"


@pytest.fixture
def shop(cli, callback_url):
    ws = make_workspace(cli, callback_url=callback_url)
    for email in ("admin@acme-apparel.test", "ana@acme-apparel.test"):
        cli("agent", "password", email, "--password", PW)
    cli("agent", "add", "sam@acme-apparel.test", "--role", "advocate", "-w", "acme-apparel",
        "--password", PW)
    return ws


@pytest.fixture
def rival(cli):
    ws = make_workspace(cli, "Globex Gear")
    cli("agent", "password", "ana@globex-gear.test", "--password", PW)
    return ws


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, email: str, password: str = PW, next: str = "/inbox"):
    client.cookies.clear()
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password, "next": next,
                                       "csrf_token": token(page.text)}, follow_redirects=False)


def csrf(client) -> str:
    return token(client.get("/inbox").text)


def say(client, ws, n, text, customer="c-1", name="Maya Chen"):
    r = client.post(ws.webhook, headers=ws.inbound, json={
        "id": f"{ws.id}-{n}", "customer": {"id": customer, "name": name}, "text": text})
    assert r.status_code == 200, r.text
    drain()


def first_conversation(client, ws) -> int:
    return client.get("/api/v1/conversations", headers=ws.agent).json()["items"][0]["id"]


# --- sign-in, cookie, sign-out ----------------------------------------------------------------

def test_console_pages_send_strangers_to_login(client, shop):
    for path in ("/inbox", "/c/1", "/admin/channels", "/"):
        r = client.get(path, follow_redirects=True)
        assert r.url.path == "/login", path
    r = client.get("/inbox", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 401 and r.headers["HX-Redirect"].startswith("/login")


def test_sign_in_sets_a_signed_httponly_lax_cookie_and_sign_out_ends_it(client, shop):
    r = login(client, "ana@acme-apparel.test")
    assert r.status_code == 303 and r.headers["location"] == "/inbox"
    cookie = r.headers["set-cookie"].lower()
    assert "crowdcare_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    page = client.get("/inbox")
    assert page.status_code == 200 and "ana" in page.text and "Sign out" in page.text
    assert client.post("/logout", follow_redirects=False).status_code == 403   # no token
    r = client.post("/logout", data={"csrf_token": token(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_tampered_session_cookie_is_ignored(client, shop):
    login(client, "ana@acme-apparel.test")
    value = client.cookies.get("crowdcare_session")
    client.cookies.clear()
    client.cookies.set("crowdcare_session", value[:-4] + ("AAAA" if not value.endswith("AAAA")
                                                          else "BBBB"))
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_wrong_password_is_refused_without_saying_which_part(client, shop):
    r = login(client, "ana@acme-apparel.test", "nope-nope-nope")
    assert r.status_code == 401 and "Wrong email or password" in r.text
    r = login(client, "nobody@acme-apparel.test", "nope-nope-nope")
    assert r.status_code == 401 and "Wrong email or password" in r.text


def test_next_never_leaves_the_site(client, shop):
    r = login(client, "ana@acme-apparel.test", next="//evil.example/x")
    assert r.headers["location"] == "/inbox"
    r = login(client, "ana@acme-apparel.test", next="/admin/channels")
    assert r.headers["location"] == "/admin/channels"


def test_lockout_after_repeated_failures_and_reset_through_the_cli(client, cli, shop):
    for _ in range(5):
        login(client, "ana@acme-apparel.test", "wrong-password")
    r = login(client, "ana@acme-apparel.test")   # the right password, but locked
    assert r.status_code == 429 and "Too many sign-in attempts" in r.text
    assert int(r.headers["retry-after"]) > 0
    assert client.get("/inbox", follow_redirects=False).status_code == 303
    cli("agent", "password", "ana@acme-apparel.test", "--password", "another-good-one")
    assert login(client, "ana@acme-apparel.test", "another-good-one").status_code == 303


def test_a_success_clears_the_failure_count(client, shop, db):
    from crowdcare.store import db as store_db
    from crowdcare.store import models as m

    for _ in range(4):
        login(client, "ana@acme-apparel.test", "wrong-password")
    assert login(client, "ana@acme-apparel.test").status_code == 303
    with store_db.session_scope() as session:
        assert session.get(m.LoginCounter, "email:ana@acme-apparel.test") is None
    for _ in range(5):   # a fresh count
        login(client, "ana@acme-apparel.test", "wrong-password")
    assert login(client, "ana@acme-apparel.test").status_code == 429


# --- CSRF -------------------------------------------------------------------------------------

def test_login_form_needs_the_csrf_token(client, shop):
    client.get("/login")
    r = client.post("/login", data={"email": "ana@acme-apparel.test", "password": PW},
                    follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text


def test_every_post_needs_the_session_csrf_token(client, shop):
    say(client, shop, 1, "Where is my order?")
    cid = first_conversation(client, shop)
    login(client, "ana@acme-apparel.test")
    good = csrf(client)
    posts = [(f"/c/{cid}/reply", {"text": "hello"}), (f"/c/{cid}/ticket", {"status": "solved"}),
             ("/inbox/bulk", {"action": "solve", "ids": str(cid)}), ("/logout", {})]
    for path, data in posts:
        assert client.post(path, data=data, follow_redirects=False).status_code == 403, path
        r = client.post(path, data={**data, "csrf_token": "forged"}, follow_redirects=False)
        assert r.status_code == 403, path
    msgs = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()["messages"]
    assert [x["text"] for x in msgs] == ["Where is my order?"]
    # htmx sends the token as a header
    r = client.post(f"/c/{cid}/reply", data={"text": "On its way!"},
                    headers={"HX-Request": "true", "X-CSRF-Token": good})
    assert r.status_code == 200 and "On its way!" in r.text and 'id="m-' in r.text
    r = client.post(f"/c/{cid}/reply", data={"text": "And a note", "note": "1",
                                             "csrf_token": good}, follow_redirects=False)
    assert r.status_code == 303
    msgs = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()["messages"]
    assert [(x["text"], x["status"]) for x in msgs[1:]] == [("On its way!", "queued"),
                                                            ("And a note", "note")]


def test_a_token_from_another_session_does_not_work(client, shop):
    login(client, "ana@acme-apparel.test")
    old = csrf(client)
    login(client, "admin@acme-apparel.test")   # a new session gets a new token
    assert client.post("/logout", data={"csrf_token": old},
                       follow_redirects=False).status_code == 403


# --- roles ------------------------------------------------------------------------------------

def test_advocates_never_enter_the_console(client, shop):
    r = login(client, "sam@acme-apparel.test")   # they sign in, and land in their portal
    assert r.status_code == 303 and r.headers["location"] == "/community"
    r = client.get("/inbox", follow_redirects=False)
    assert r.status_code == 403 and "advocate portal" in r.text
    assert client.get("/community").status_code == 200


def test_a_session_whose_agent_became_an_advocate_is_refused(client, shop, db):
    from crowdcare.store import db as store_db
    from crowdcare.store import models as m

    say(client, shop, 1, "Hi, where is my parcel?")
    cid = first_conversation(client, shop)
    login(client, "ana@acme-apparel.test")
    good = csrf(client)
    with store_db.session_scope() as session:
        session.scalar(select(m.Agent).where(m.Agent.email == "ana@acme-apparel.test")).role = \
            "advocate"
    for path in ("/inbox", "/admin/channels"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 403 and "advocate portal" in r.text, path
    for path in (f"/c/{cid}", f"/c/{cid}/header"):   # anything by id: as if it did not exist
        r = client.get(path, follow_redirects=False)
        # the customer's words, not "Hi": a random token on the page may hold those letters
        assert r.status_code == 404 and "where is my parcel" not in r.text, path
    r = client.post(f"/c/{cid}/reply", data={"text": "x", "csrf_token": good})
    assert r.status_code == 404


def test_a_deactivated_agent_is_signed_out(client, shop, db):
    from crowdcare.store import db as store_db
    from crowdcare.store import models as m

    login(client, "ana@acme-apparel.test")
    with store_db.session_scope() as session:
        session.scalar(select(m.Agent).where(m.Agent.email == "ana@acme-apparel.test")).active = \
            False
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_admin_pages_need_an_admin(client, shop):
    login(client, "ana@acme-apparel.test")
    good = csrf(client)
    for path in ("/admin/channels", "/admin/agents", "/admin/canned", "/admin/campaigns",
                 "/admin/triage"):
        assert client.get(path).status_code == 403, path
    r = client.post("/admin/canned", data={"shortcut": "x", "title": "X", "body": "y",
                                           "csrf_token": good})
    assert r.status_code == 403
    r = client.post("/admin/agents", data={"email": "evil@acme-apparel.test", "role": "admin",
                                           "csrf_token": good})
    assert r.status_code == 403
    login(client, "admin@acme-apparel.test")
    for path in ("/admin/channels", "/admin/agents", "/admin/canned", "/admin/campaigns",
                 "/admin/triage"):
        assert client.get(path).status_code == 200, path


def test_channel_secrets_are_never_shown_back(client, shop):
    login(client, "admin@acme-apparel.test")
    page = client.get("/admin/channels").text
    for secret in shop.api_account["secrets"].values():
        assert secret not in page
    assert "(set)" in page


# --- workspaces -------------------------------------------------------------------------------

def test_another_workspaces_data_is_invisible(client, shop, rival, db):
    from crowdcare.store import db as store_db
    from crowdcare.store import models as m

    say(client, shop, 1, "Secret order question", name="Maya Chen")
    cid = first_conversation(client, shop)
    with store_db.session_scope() as session:
        mid = session.scalar(select(m.Message.id).where(m.Message.conversation_id == cid))
        session.add(m.CannedResponse(workspace_id=shop.id, shortcut="acme", title="Acme only",
                                     body="acme canned"))
    with store_db.session_scope() as session:
        canned_id = session.scalar(select(m.CannedResponse.id))
    login(client, "ana@globex-gear.test")
    good = csrf(client)
    assert "acme canned" not in client.get("/inbox").text
    r = client.post(f"/admin/canned/{canned_id}/delete", data={"csrf_token": good})
    assert r.status_code == 403   # an agent; and for a rival admin it would be a 404
    inbox = client.get("/inbox?view=all").text
    assert "Maya Chen" not in inbox and "Secret order" not in inbox
    assert "Maya Chen" not in client.get("/inbox?q=maya").text
    assert "Maya" not in client.get("/inbox?q=secret").text
    for path in (f"/c/{cid}", f"/c/{cid}/m/{mid}", f"/c/{cid}/header"):
        assert client.get(path).status_code == 404, path
    for path, data in [(f"/c/{cid}/reply", {"text": "hi"}),
                       (f"/c/{cid}/ticket", {"status": "solved"}),
                       (f"/c/{cid}/triage", {"message_id": str(mid), "field": "sentiment",
                                             "value": "positive"})]:
        r = client.post(path, data={**data, "csrf_token": good}, follow_redirects=False)
        assert r.status_code == 404, path
    client.post("/inbox/bulk", data={"action": "solve", "ids": str(cid), "csrf_token": good})
    conv = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).json()
    assert conv["status"] == "open" and conv["ticket"]["status"] == "new"
    assert [x["text"] for x in conv["messages"]] == ["Secret order question"]
    # nor are its canned responses, through a rival admin
    client.cookies.clear()
    login(client, "admin@globex-gear.test", "x" * 10)   # no password set: refused
    assert client.get("/admin/canned", follow_redirects=False).status_code == 303


def test_a_message_of_another_customer_is_not_served_as_a_fragment(client, shop):
    say(client, shop, 1, "from maya", customer="c-1", name="Maya Chen")
    say(client, shop, 2, "from tom", customer="c-2", name="Tom Becker")
    items = client.get("/api/v1/conversations", headers=shop.agent).json()["items"]
    maya = next(i for i in items if i["customer_name"] == "Maya Chen")["id"]
    tom = next(i for i in items if i["customer_name"] == "Tom Becker")["id"]
    tom_msg = client.get(f"/api/v1/conversations/{tom}", headers=shop.agent).json()["messages"][0]
    login(client, "ana@acme-apparel.test")
    assert client.get(f"/c/{maya}/m/{tom_msg['id']}").status_code == 404


def test_presence_socket_refuses_strangers_and_other_workspaces(client, shop, rival):
    from starlette.websockets import WebSocketDisconnect

    say(client, shop, 1, "Hi, where is my parcel?")
    cid = first_conversation(client, shop)
    client.cookies.clear()
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(f"/web/presence/{cid}") as s:
        s.receive_text()
    login(client, "ana@globex-gear.test")
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(f"/web/presence/{cid}") as s:
        s.receive_text()
    login(client, "ana@acme-apparel.test")
    for path in (f"/web/presence/{cid}", "/web/live"):   # another site's page: refused
        with pytest.raises(WebSocketDisconnect), client.websocket_connect(
                path, headers={"origin": "http://evil.example"}) as s:
            s.receive_text()
    with client.websocket_connect(f"/web/presence/{cid}",
                                  headers={"origin": "http://testserver"}) as s:
        state = s.receive_json()
        assert state["viewers"] == [{"agent_id": shop.agent_id, "name": "ana", "typing": False}]
        s.send_text("typing")
        assert s.receive_json()["viewers"][0]["typing"] is True


def test_live_feed_needs_a_staff_session_and_shows_only_this_workspace(client, shop, rival):
    from starlette.websockets import WebSocketDisconnect

    client.cookies.clear()
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/web/live") as s:
        s.receive_text()
    login(client, "ana@globex-gear.test")
    with client.websocket_connect("/web/live?last_event_id=0") as s:
        say(client, rival, 1, "Globex question", customer="g-1", name="Gina")
        say(client, shop, 1, "Acme question", customer="a-1", name="Maya Chen")
        seen: list[dict] = []
        while not any(e["name"] == "message.created" for e in seen):
            seen += s.receive_json()
        convs = client.get("/api/v1/conversations", headers=rival.agent).json()["items"]
        assert {e["conversation_id"] for e in seen} <= {c["id"] for c in convs}
        assert all("payload" not in e for e in seen)   # ids only: the console re-fetches
        s.send_text("ping")
        while True:
            frame = s.receive_json()
            if frame == {"name": "pong"}:
                break
            assert {e["conversation_id"] for e in frame} <= {c["id"] for c in convs}
