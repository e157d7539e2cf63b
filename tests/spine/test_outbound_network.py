"""Server-side request forgery: what crowdcare calls out to. Only http(s), only public
addresses unless the operator allows a range, checked where the socket is opened; platform
base URLs are the operator's; what a callback answers is summarised, never shown."""
import socket

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from crowdcare.channels.testing import serve_in_thread
from crowdcare.settings import get_settings
from crowdcare.store import db
from crowdcare.store import models as m
from support.fixtures import drain, make_workspace

PRIVATE = ["127.0.0.1", "localhost", "[::1]", "0.0.0.0", "2130706433", "0x7f000001", "127.1",
           "0177.0.0.1", "[::ffff:127.0.0.1]", "10.0.0.5", "192.168.1.1", "169.254.169.254",
           "db.localhost", "127.0.0.1:5432", "127.0.0.1:6379", "127.0.0.1:4222"]


class Service:
    """Something on the server's own network: answers with what an operator would not show
    (a banner with its port, credentials), or with an 'id' that is a whole document."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.answer = ("error", 500)
        self.app = Starlette(routes=[Route("/{path:path}", self._any, methods=["GET", "POST"])])

    async def _any(self, request):
        self.calls.append({"path": request.url.path, "headers": dict(request.headers),
                           "query": str(request.query_params)})
        kind, status = self.answer
        if kind == "error":
            return PlainTextResponse("redis_version:7.2 tcp_port:6379 requirepass hunter2",
                                     status_code=status)
        return JSONResponse({"id": {"config": "SECRET" * 100}}, status_code=status)


@pytest.fixture
def service():
    s = Service()
    with serve_in_thread(s.app) as base:
        s.base = base
        yield s


def no_private_ranges(monkeypatch) -> None:
    """As a production server runs: no CROWDCARE_OUTBOUND_ALLOW_NETWORKS."""
    monkeypatch.setenv("CROWDCARE_OUTBOUND_ALLOW_NETWORKS", "")
    get_settings.cache_clear()


def reply(client, ws, text: str) -> tuple[int, dict]:
    r = client.post(ws.webhook, json={"id": text, "customer": {"id": "c-1"},
                                      "text": "hello? where is my order?"},
                    headers=ws.inbound)
    assert r.status_code == 200
    drain()
    cid = client.get("/api/v1/conversations", headers=ws.agent).json()["items"][0]["id"]
    r = client.post(f"/api/v1/conversations/{cid}/replies", json={"text": text},
                    headers=ws.agent)
    assert r.status_code == 201, r.text
    drain()
    return cid, client.get(f"/api/v1/conversations/{cid}",
                           headers=ws.agent).json()["messages"][-1]


def test_a_callback_url_naming_a_private_address_is_refused_when_saved(client, cli, workspace,
                                                                       monkeypatch):
    no_private_ranges(monkeypatch)
    for host in PRIVATE:
        url = f"http://{host}/cb"
        r = client.post("/api/v1/channels", json={"kind": "api", "config": {
            "callback_url": url}}, headers=workspace.admin)
        assert r.status_code == 422, (url, r.text)
        assert r.json()["field"] == "callback_url" and "not a public address" in r.json()["detail"]
        refused = cli("channel", "add", "api", "--callback-url", url, ok=False)
        assert refused.exit_code == 2 and "not a public address" in refused.stderr, url
    for url in ("file:///etc/passwd", "ftp://files.example.com/x", "gopher://example.com/"):
        r = client.post("/api/v1/channels", json={"kind": "api", "config": {
            "callback_url": url}}, headers=workspace.admin)
        assert r.status_code == 422 and r.json()["field"] == "callback_url", url
    r = client.post("/api/v1/channels", json={"kind": "api", "config": {
        "callback_url": "https://hooks.example.com/crowdcare"}}, headers=workspace.admin)
    assert r.status_code == 201


def test_a_name_that_resolves_to_a_private_address_is_refused_when_called(client, cli,
                                                                         service, monkeypatch):
    """A name passes when saved (it may resolve elsewhere by the time it is called), and an
    address the operator stops allowing was saved while allowed: both are checked again on
    the address the socket would open. Nothing reaches the service, and the message fails at
    once with the reason, not retried."""
    name = socket.gethostname()
    if not socket.gethostbyname(name).startswith("127."):
        pytest.skip(f"this machine's name {name!r} does not resolve to loopback")
    saved_as_allowed = make_workspace(cli, "Shop one", callback_url=f"{service.base}/cb")
    no_private_ranges(monkeypatch)
    port = service.base.rsplit(":", 1)[1]
    by_name = make_workspace(cli, "Shop two", callback_url=f"http://{name}:{port}/cb")
    for shop in (saved_as_allowed, by_name):
        _, sent = reply(client, shop, "on its way")
        assert sent["status"] == "failed", sent
        assert "not a public address" in sent["error"]
        with db.session_scope() as session:
            assert session.get(m.Message, sent["id"]).attempts == 1   # not retried
    assert service.calls == []


def test_what_a_callback_answers_is_summarised_and_its_id_bounded(client, cli, service):
    shop = make_workspace(cli, callback_url=f"{service.base}/cb")
    service.answer = ("error", 400)
    _, failed = reply(client, shop, "first")
    assert failed["status"] == "failed"
    assert failed["error"] == "callback answered HTTP 400 (bad request)"
    service.answer = ("document", 200)
    cid, sent = reply(client, shop, "second")
    assert sent["status"] == "sent" and sent["external_id"] == f"out-{sent['id']}"
    page = client.get(f"/api/v1/conversations/{cid}", headers=shop.agent).text
    assert "hunter2" not in page and "SECRET" not in page and "6379" not in page


def test_platform_base_urls_are_operator_settings_not_a_workspaces(client, cli, workspace,
                                                                   service, monkeypatch):
    messenger = {"page_id": "77", "page_token": "page-token-secret", "app_secret": "s",
                 "verify_token": "v"}
    for kind, config, key in (
            ("messenger", {**messenger, "graph_url": "file:///etc"}, "graph_url"),
            ("messenger", {**messenger, "graph_url": f"{service.base}/v21.0"}, "graph_url"),
            ("x", {"consumer_secret": "consumer-1", "access_token": "access-token-1",
                   "user_id": "42", "handle": "acme", "api_url": service.base}, "api_url")):
        r = client.post("/api/v1/channels", json={"kind": kind, "config": config},
                        headers=workspace.admin)
        assert r.status_code == 422 and r.json()["field"] == key, r.text
    assert cli("channel", "add", "messenger", "--page-id", "1", "--page-token", "t",
               "--app-secret", "s", "--verify-token", "v", "--graph-url", service.base,
               ok=False).exit_code == 2
    page = client.post("/api/v1/channels", json={"kind": "messenger", "config": messenger},
                       headers=workspace.admin).json()
    client.put(f"/api/v1/channels/{page['id']}/profile", json={"greeting": "Hi!"},
               headers=workspace.admin)
    # Even the operator's own setting cannot point the page token at a private address
    # unless the private range is allowed.
    monkeypatch.setenv("CROWDCARE_MESSENGER_GRAPH_URL", f"{service.base}/v21.0")
    no_private_ranges(monkeypatch)
    r = client.post(f"/api/v1/channels/{page['id']}/profile/push", headers=workspace.admin)
    assert r.status_code in (409, 502) and "profile push refused" in r.json()["detail"]
    assert service.calls == []
