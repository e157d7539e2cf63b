"""A real server (uvicorn in a thread, workers on) and a real browser (Debian's chromium)."""
from __future__ import annotations

import json
import os
import time
from contextlib import ExitStack
from dataclasses import dataclass

import httpx
import pytest

from crowdcare.channels.testing import CallbackReceiver, serve_in_thread
from support.fixtures import make_workspace, point_platforms

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PASSWORD = "correct-horse-battery"
PAGE_ID = "1029384756"
# which channel the e2e customer writes on: messenger (the fake Graph API) when it is there
CHANNEL = os.environ.get("CROWDCARE_E2E_CHANNEL", "messenger")


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")   # Playwright's sync API holds an event loop in this thread:
def playwright_browser():         # release it before other modules' tests run asyncio.run()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "Python Playwright is not installed (pip install playwright)")
    _need(os.path.exists(CHROMIUM), f"{CHROMIUM} is absent (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@dataclass
class ApiChannelCustomer:
    """A customer writing through the generic API channel; what we send back lands in the
    business's callback receiver."""

    base: str
    ws: object
    receiver: CallbackReceiver
    customer_id: str = "c-maya"
    name: str = "Maya Chen"
    greeting_name: str = "Maya"      # what {{customer.first_name}} becomes
    n: int = 0

    def say(self, text: str) -> None:
        self.n += 1
        r = httpx.post(f"{self.base}{self.ws.webhook}", headers=self.ws.inbound, json={
            "id": f"e2e-{self.customer_id}-{self.n}",
            "customer": {"id": self.customer_id, "name": self.name}, "text": text})
        assert r.status_code == 200, r.text

    def sent(self) -> list[str]:
        return [json.loads(c["body"])["text"] for c in self.receiver.received]


@dataclass
class MessengerCustomer:
    """A customer on Messenger, played by the fake Graph API: it signs the webhook and posts
    it to crowdcare; what we send lands in its request log."""

    fake: object
    psid: str = "psid-maya"
    greeting_name: str | None = None   # Messenger gives no name with a message: the composer asks
    name: str | None = None

    def say(self, text: str) -> None:
        r = httpx.post(f"{self.fake.base}/_fake/customer/message",
                       json={"psid": self.psid, "text": text}, timeout=10)
        assert r.status_code == 200 and r.json()["webhook_status"] == 200, r.text

    def sent(self) -> list[str]:
        return [r["body"]["message"].get("text", "") for r in list(self.fake.requests)
                if r["endpoint"] == "/me/messages" and r.get("status") == 200
                and "message" in (r["body"] or {})]


def wait_sent(customer, count: int, timeout: float = 10) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = customer.sent()
        if len(sent) >= count:
            return sent
        time.sleep(0.05)
    raise AssertionError(f"expected {count} sends, got {customer.sent()}")


def _messenger_fake():
    from crowdcare.channels.messenger.fake_graph import FakeGraph

    return FakeGraph(page_id=PAGE_ID, page_token="e2e-page-token", app_secret="e2e-app-secret",
                     app_id="4242")


@dataclass
class Live:
    base: str
    ws: object
    customer: ApiChannelCustomer | MessengerCustomer
    agent_email: str
    admin_email: str


@pytest.fixture
def live(cli, database_url):
    from crowdcare.app import create_app
    from crowdcare.settings import get_settings
    from crowdcare.store import db
    from crowdcare.store import models as m

    with ExitStack() as stack:
        receiver = CallbackReceiver()
        receiver.url = f"{stack.enter_context(serve_in_thread(receiver.app))}/callback"
        ws = make_workspace(cli, callback_url=receiver.url)
        fake = _messenger_fake() if CHANNEL == "messenger" else None
        if fake is not None:
            fake.base = stack.enter_context(serve_in_thread(fake.app))
            point_platforms(messenger=f"{fake.base}/v21.0")
            account = cli.json("channel", "add", "messenger", "-w", str(ws.id),
                               "--page-id", PAGE_ID, "--page-token", fake.page_token,
                               "--app-secret", fake.app_secret, "--verify-token", "e2e-verify",
                               "--app-id", fake.app_id)
        agent_email, admin_email = "ana@acme-apparel.test", "admin@acme-apparel.test"
        for email in (agent_email, admin_email):
            cli("agent", "password", email, "--password", PASSWORD)
        with db.session_scope() as session:
            session.add(m.CannedResponse(
                workspace_id=ws.id, shortcut="where", title="Where is my order",
                body="Hi {{customer.first_name}}, your parcel is on its way: you will get "
                     "tracking as soon as the carrier scans it."))
        os.environ["CROWDCARE_RUN_WORKERS"] = "true"
        os.environ["CROWDCARE_RETRY_BASE_SECONDS"] = "0.05"
        get_settings.cache_clear()
        try:
            base = stack.enter_context(serve_in_thread(create_app()))
            if fake is not None:
                fake.webhook_url = f"{base}/webhooks/messenger/{account['id']}"
                customer = MessengerCustomer(fake)
            else:
                customer = ApiChannelCustomer(base, ws, receiver)
            yield Live(base, ws, customer, agent_email, admin_email)
        finally:
            os.environ["CROWDCARE_RUN_WORKERS"] = "false"
            os.environ["CROWDCARE_RETRY_BASE_SECONDS"] = "0"
            get_settings.cache_clear()


@dataclass
class Day:
    """One workspace with both channels, served with workers: a web shop's chat (the API
    channel, answering into the same acknowledging receiver the demo runs) and a Messenger
    page on the fake Graph API, which sends delivery and read receipts back."""

    base: str
    ws: object
    shop: ApiChannelCustomer
    messenger: MessengerCustomer
    receiver: CallbackReceiver
    fake: object
    agent_email: str = "ana@acme-apparel.test"

    def store_customer(self, name: str, email: str, number: str) -> int:
        """A customer of the shop with an order (as the shop's system made them)."""
        from crowdcare.actions import orders
        from crowdcare.store import db
        from crowdcare.store import models as m

        with db.session_scope() as session:
            customer = m.Customer(workspace_id=self.ws.id, name=name, email=email)
            session.add(customer)
            session.flush()
            orders.do_create(session, self.ws.id, {
                "customer_id": customer.id, "number": number, "currency": "USD",
                "shipping_cost": 0.0, "tax": 0.0,
                "items": [{"title": "Denim jacket", "quantity": 1, "unit_price": 89.0}]})
            return customer.id


@pytest.fixture
def day(cli, database_url):
    from crowdcare.app import create_app
    from crowdcare.settings import get_settings
    from crowdcare.store import db
    from crowdcare.store import models as m

    with ExitStack() as stack:
        receiver = CallbackReceiver()
        receiver.url = f"{stack.enter_context(serve_in_thread(receiver.app))}/callback"
        ws = make_workspace(cli, callback_url=receiver.url)
        fake = _messenger_fake()
        fake.echo, fake.receipts, fake.receipt_delay = True, True, 0.2
        fake.base = stack.enter_context(serve_in_thread(fake.app))
        point_platforms(messenger=f"{fake.base}/v21.0")
        account = cli.json("channel", "add", "messenger", "-w", str(ws.id),
                           "--page-id", PAGE_ID, "--page-token", fake.page_token,
                           "--app-secret", fake.app_secret, "--verify-token", "e2e-verify",
                           "--app-id", fake.app_id)
        cli("agent", "password", "ana@acme-apparel.test", "--password", PASSWORD)
        with db.session_scope() as session:
            session.add_all([
                m.CannedResponse(workspace_id=ws.id, shortcut="returns", title="Returns policy",
                                 body="Hi {{customer.first_name}}, you can return any unworn "
                                      "item within 30 days."),
                m.CannedResponse(workspace_id=ws.id, shortcut="where", title="Where is my order",
                                 body="Order {{order.number}} left our warehouse today."),
            ])
        os.environ["CROWDCARE_RUN_WORKERS"] = "true"
        os.environ["CROWDCARE_RETRY_BASE_SECONDS"] = "0.05"
        get_settings.cache_clear()
        try:
            base = stack.enter_context(serve_in_thread(create_app()))
            fake.webhook_url = f"{base}/webhooks/messenger/{account['id']}"
            yield Day(base, ws, ApiChannelCustomer(base, ws, receiver),
                      MessengerCustomer(fake), receiver, fake)
        finally:
            os.environ["CROWDCARE_RUN_WORKERS"] = "false"
            os.environ["CROWDCARE_RETRY_BASE_SECONDS"] = "0"
            get_settings.cache_clear()
