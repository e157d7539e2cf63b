"""Finding 13: outside URLs become links only when they are http(s) or mailto; every response
carries a strict CSP and the framing, sniffing and referrer headers; a REST write the session
cookie authenticates needs the session's CSRF token."""
from __future__ import annotations

import re

import pytest

from web.test_console_http import PW, csrf, first_conversation, login, say

HOSTILE = ["javascript:alert(document.domain)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
           "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//evil.example/x",
           "&#106;avascript:alert(1)"]


@pytest.fixture
def shop(cli):
    from support.fixtures import make_workspace

    ws = make_workspace(cli)
    for email in ("admin@acme-apparel.test", "ana@acme-apparel.test"):
        cli("agent", "password", email, "--password", PW)
    return ws


def hrefs(html: str) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"]*)"', html)


def test_hostile_attachment_urls_are_shown_as_text_never_as_links(client, shop):
    from support.fixtures import drain

    r = client.post(shop.webhook, headers=shop.inbound, json={
        "id": "x-1", "customer": {"id": "c-1", "name": "Mallory"}, "text": "see attached",
        "attachments": [{"type": "file", "url": u} for u in HOSTILE]
        + [{"type": "image", "url": "https://cdn.example/ok.jpg"}]})
    assert r.status_code == 200, r.text
    drain()
    cid = first_conversation(client, shop)
    login(client, "ana@acme-apparel.test")
    page = client.get(f"/c/{cid}").text
    links = hrefs(page)
    assert "https://cdn.example/ok.jpg" in links
    for link in links:
        assert re.match(r"(https?:|mailto:|/|#)", link), link
        assert not link.startswith("//"), link
    assert "alert(document.domain)" in page   # still shown, as text


def test_every_response_carries_the_security_headers(client, shop):
    login(client, "ana@acme-apparel.test")
    for path in ("/inbox", "/login", "/api/v1/conversations", "/static/console.js", "/nope"):
        r = client.get(path, headers=shop.agent if path.startswith("/api") else {})
        h = r.headers
        assert h["x-content-type-options"] == "nosniff", path
        assert h["x-frame-options"] == "DENY", path
        assert h["referrer-policy"] == "same-origin", path
        csp = dict(d.strip().split(" ", 1) for d in h["content-security-policy"].split(";"))
        assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'", path
        assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'", path


def test_no_page_holds_inline_script_handlers_or_style_attributes(client, shop):
    """What the CSP would block silently: pages must not need it."""
    say(client, shop, 1, "My app crashes at checkout and I am furious, order NW1001")
    cid = first_conversation(client, shop)
    login(client, "admin@acme-apparel.test")
    pages = ["/inbox", f"/c/{cid}", f"/c/{cid}/header", "/admin/channels", "/admin/agents",
             "/admin/canned", "/admin/campaigns", "/admin/triage", "/review", "/kb"]
    for path in pages:
        html = client.get(path).text
        assert client.get(path).status_code == 200, path
        scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
        assert scripts == [], (path, scripts)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), path
        assert not re.search(r"<[^>]+\sstyle\s*=", html), path
    client.cookies.clear()
    assert not re.search(r"\son[a-z]+=|\sstyle=", client.get("/login").text)


def test_a_rest_write_with_the_session_cookie_needs_the_csrf_header(client, shop):
    login(client, "admin@acme-apparel.test")
    good = csrf(client)
    assert client.get("/api/v1/teams").status_code == 200   # reads: as before
    refused = client.post("/api/v1/teams", json={"name": "Forged"})
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    assert client.post("/api/v1/teams", json={"name": "Forged"},
                       headers={"X-CSRF-Token": "guess"}).status_code == 403
    ok = client.post("/api/v1/teams", json={"name": "Returns"}, headers={"X-CSRF-Token": good})
    assert ok.status_code == 201, ok.text
    client.cookies.clear()   # a bearer token needs no CSRF token: no browser sends it alone
    assert client.post("/api/v1/teams", json={"name": "VIP"}, headers=shop.admin).status_code == 201
    names = {t["name"] for t in client.get("/api/v1/teams", headers=shop.admin).json()["items"]}
    assert "Forged" not in names and {"Returns", "VIP"} <= names
