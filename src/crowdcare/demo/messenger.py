"""The demo's Facebook page: a Messenger account pointed at a fake Graph API that the demo runs,
a poster campaign, a Messenger Profile, and customers writing through the fake (signed webhooks),
so a newcomer sees real round trips: webhook in, triage, reply out, echo and receipts back."""
from __future__ import annotations

import asyncio
import os
import random
import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy import select

from crowdcare.actions import campaigns, workspaces
from crowdcare.channels.messenger.fake_graph import FakeGraph
from crowdcare.demo import texts
from crowdcare.settings import get_settings
from crowdcare.store import accounts, db
from crowdcare.store import models as m

PAGE_ID, APP_ID = "100200300400500", "4242"
PAGE_TOKEN, APP_SECRET, VERIFY_TOKEN = "demo-page-token", "demo-app-secret", "demo-verify"
# store customers (demo.seed.MESSENGER_SHOPPERS) writing on Messenger: nothing there says who
# they are until they give their order number, and the console suggests the link
CUSTOMERS = [("Lena Vogel", "psid-lena"), ("Kofi Mensah", "psid-kofi"), ("Ana Lima", "psid-ana")]
CAMPAIGN = {"ref": "spring-poster", "name": "Spring poster in the shop window",
            "greeting": "Welcome to Northwind Threads! Want to see the spring collection?",
            "quick_replies": [{"title": "Show me", "payload": "SPRING"},
                              {"title": "Track my order", "payload": "TRACK"}]}
PROFILE = {"get_started_payload": "GET_STARTED",
           "greeting": "Hi {{user_first_name}}! Questions about an order? Ask us here.",
           "ice_breakers": [{"question": "Where is my order?", "payload": "WISMO"},
                            {"question": "How do returns work?", "payload": "RETURNS"}],
           "persistent_menu": [{"title": "Track my order", "payload": "TRACK"},
                               {"title": "Shop", "url": "https://northwind.example"}]}


@dataclass
class MessengerDemo:
    account_id: int
    fake: FakeGraph


def point(setting: str, url: str) -> None:
    """The platforms' base URLs are operator settings: the demo (its own operator) points
    them at its fakes."""
    os.environ[setting] = url
    get_settings.cache_clear()


def ensure_page(workspace_id: int) -> int:
    """Create (or update) the demo page; idempotent."""
    with db.session_scope() as session:
        ws = session.get(m.Workspace, workspace_id)
        row = session.scalar(select(m.ChannelAccount).where(
            m.ChannelAccount.workspace_id == ws.id, m.ChannelAccount.kind == "messenger"))
        options = {"page_id": PAGE_ID, "page_token": PAGE_TOKEN, "app_secret": APP_SECRET,
                   "verify_token": VERIFY_TOKEN, "app_id": APP_ID,
                   "profile": PROFILE}
        _, config = workspaces.check_channel("messenger", options)
        if row is None:
            row = workspaces.do_add_channel(session, ws, "messenger", config,
                                            "Northwind Threads (Facebook page)")
        else:
            row.config = config.model_dump(mode="json")
            accounts.forget(row.id)
        if not session.scalar(select(m.Campaign.id).where(
                m.Campaign.workspace_id == ws.id, m.Campaign.ref == CAMPAIGN["ref"])):
            campaigns.do_create_campaign(session, ws.id, dict(CAMPAIGN))
        return row.id


def connect_callback(api_account_id: int, url: str) -> None:
    """Point the web shop's API channel at the shop's chat (as an admin does in Admin →
    Channels): replies reach the customer instead of failing for want of a callback URL."""
    with db.session_scope() as session:
        account = session.get(m.ChannelAccount, api_account_id)
        name, config = workspaces.check_update_channel(session, account, None,
                                                       {"callback_url": url})
        workspaces.do_update_channel(session, account, name, config)


async def start(workspace_id: int, crowdcare_base: str) -> tuple[MessengerDemo, asyncio.Task]:
    """Serve the fake Graph API on a free port in this event loop and connect the page to it."""
    from crowdcare.channels.testing import serve_here

    fake = FakeGraph(page_id=PAGE_ID, page_token=PAGE_TOKEN, app_secret=APP_SECRET,
                     app_id=APP_ID, echo=True, receipts=True, receipt_delay=1.5)
    server, task, fake.base = await serve_here(fake.app)
    point("CROWDCARE_MESSENGER_GRAPH_URL", f"{fake.base}/v21.0")
    account_id = await asyncio.to_thread(ensure_page, workspace_id)
    fake.webhook_url = f"{crowdcare_base}/webhooks/messenger/{account_id}"
    fake.server = server
    return MessengerDemo(account_id, fake), task


async def simulate(demo: MessengerDemo, base_url: str, rate: float, stop: asyncio.Event,
                   orders: dict[str, str] | None = None, seed: int | None = None) -> int:
    """Customers write on Messenger (through the fake, signed like Facebook's webhooks); one of
    them arrives by scanning the poster's QR code."""
    rng = random.Random(seed)
    fake = demo.fake
    sent = 0
    async with httpx.AsyncClient(timeout=10) as http:
        try:   # push the profile once, as an admin would after setting it up
            await http.post(f"{fake.base}/v21.0/me/messenger_profile",
                            params={"access_token": PAGE_TOKEN},
                            json={"greeting": [{"locale": "default", "text": PROFILE["greeting"]}]})
        except httpx.HTTPError:
            pass
        first = True
        while not stop.is_set():
            name, psid = rng.choice(CUSTOMERS)
            if first:
                kind, data = "postback", {"psid": "psid-poster", "ref": "spring-poster__qr",
                                          "payload": "GET_STARTED"}
                first = False
            else:   # a fresh id every time: a restarted demo never replays a stored one
                order = (orders or {}).get(name, "NW-1001")
                text = rng.choice(texts.SERVICE if rng.random() < 0.8 else texts.MESSENGER)
                kind, data = "message", {"psid": psid, "text": text.format(order=order),
                                         "mid": f"m_demo_{uuid.uuid4().hex}"}
            try:
                r = await http.post(f"{fake.base}/_fake/customer/{kind}", json=data)
                sent += r.status_code == 200
            except httpx.HTTPError:
                pass
            try:
                await asyncio.wait_for(stop.wait(), timeout=rng.expovariate(rate / 4))
            except TimeoutError:
                pass
    return sent
