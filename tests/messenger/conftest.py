"""Messenger test set-up: a fake Graph API and crowdcare itself, both real local HTTP servers,
and a workspace with a Messenger page connected through the CLI."""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

import httpx
import pytest

from crowdcare.channels.messenger.fake_graph import FakeGraph
from crowdcare.channels.testing import serve_in_thread
from support.fixtures import Workspace, make_workspace, point_platforms

PAGE_ID, APP_ID = "1029384756", "4242"
TOKEN, SECRET, VERIFY = "page-token-abc", "app-secret-xyz", "verify-me-please"


@pytest.fixture(scope="session")
def _fake_server():
    graph = FakeGraph(page_id=PAGE_ID, page_token=TOKEN, app_secret=SECRET, app_id=APP_ID,
                      timeout_seconds=1.0)
    with serve_in_thread(graph.app) as base:
        graph.base = base
        yield graph


@pytest.fixture
def fake(_fake_server):
    """The fake Graph API, served once per session and reset before each test."""
    graph = _fake_server
    graph.requests.clear()
    graph.failures.clear()
    graph.profile.clear()
    graph.thread_owner.clear()
    graph.echo, graph.webhook_url = False, None
    return graph


@pytest.fixture
def server(db):
    """crowdcare served on a real port, so the fake Graph API can post webhooks to it."""
    from crowdcare.app import create_app

    with serve_in_thread(create_app()) as base:
        yield base


@dataclass
class Page:
    ws: Workspace
    account: dict
    fake: FakeGraph

    @property
    def id(self) -> int:
        return self.account["id"]

    @property
    def webhook(self) -> str:
        return f"/webhooks/messenger/{self.id}"

    def signed(self, payload: dict | bytes, secret: str = SECRET) -> tuple[bytes, dict]:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return body, {"content-type": "application/json", "X-Hub-Signature-256": f"sha256={mac}"}

    def post(self, client, payload: dict | bytes, secret: str = SECRET):
        body, headers = self.signed(payload, secret)
        return client.post(self.webhook, content=body, headers=headers)

    def requests(self, endpoint: str | None = None) -> list[dict]:
        items = httpx.get(f"{self.fake.base}/_fake/requests").json()["items"]
        return [r for r in items if endpoint is None or r["endpoint"] == endpoint]

    def fail(self, kind: str, times: int = 1) -> None:
        httpx.post(f"{self.fake.base}/_fake/fail", json={"kind": kind, "times": times})


@pytest.fixture
def page(cli, fake) -> Page:
    ws = make_workspace(cli)
    point_platforms(messenger=f"{fake.base}/v21.0")
    account = cli.json("channel", "add", "messenger", "-w", str(ws.id), "--page-id", PAGE_ID,
                       "--page-token", TOKEN, "--app-secret", SECRET, "--verify-token", VERIFY,
                       "--app-id", APP_ID, "--send-timeout", "0.5")
    return Page(ws, account, fake)


@pytest.fixture
def live_page(page, server) -> Page:
    """The fake Graph API posts its webhooks to the served crowdcare."""
    page.fake.webhook_url = f"{server}/webhooks/messenger/{page.id}"
    return page


def _config():
    from crowdcare.channels.messenger.adapter import MessengerConfig

    return MessengerConfig(page_id=PAGE_ID, page_token=TOKEN, app_secret=SECRET,
                           verify_token=VERIFY, app_id=APP_ID)


MessengerTestConfig = _config()
