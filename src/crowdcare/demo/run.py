"""Serve the seeded demo with traffic; Ctrl-C stops everything cleanly."""
from __future__ import annotations

import asyncio
import contextlib
import os

import uvicorn

from crowdcare.channels.testing import CallbackReceiver, free_port, serve_here
from crowdcare.demo import community, faq, messenger
from crowdcare.demo.seed import ACCOUNTS, PASSWORD, seed
from crowdcare.demo.traffic import simulate
from crowdcare.settings import get_settings


def run(host: str = "127.0.0.1", port: int = 8000, rate: float = 0.5) -> None:
    base = f"http://{host}:{port}"
    os.environ.setdefault("CROWDCARE_PUBLIC_URL", base)   # the webhook URLs the admin shows
    # The shop's chat and the fake Graph and X APIs listen on loopback, which outbound calls
    # refuse unless the operator allows it: the demo does, for itself.
    allowed = os.environ.get("CROWDCARE_OUTBOUND_ALLOW_NETWORKS", "")
    os.environ["CROWDCARE_OUTBOUND_ALLOW_NETWORKS"] = ",".join(
        filter(None, (allowed, "127.0.0.0/8", "::1/128")))
    get_settings.cache_clear()
    demo = seed()
    shop_port = free_port()
    messenger.connect_callback(demo.api_account_id, f"http://127.0.0.1:{shop_port}/callback")
    accounts = sign_ins()
    print(f"""
crowdcare demo: Northwind Threads, a small online clothing store
  console   {base}/           sign in as any of:
{accounts}
  API docs  {base}/docs       bearer token: {demo.agent_token}
  traffic   ~{rate} simulated customer messages/s through {base}/webhooks/api/{demo.api_account_id}
  web shop  the API channel's replies go to the shop's chat at http://127.0.0.1:{shop_port}/callback
            (a local receiver that acknowledges each one)
  messenger a Facebook page on a local fake Graph API: customers write through signed webhooks,
            replies come back delivered and read
  community {base}/community  advocates sam@ (new), priya@ (trusted), lee@ (lead)
            @community.example / {PASSWORD}; @northwind on a local fake X API gets mentions live;
            staff review at {base}/review
Ctrl-C stops.
""", flush=True)
    asyncio.run(_serve(host, port, rate, demo, base, shop_port))


def sign_ins() -> str:
    """Every seeded account's sign-in, one a line (the demo prints them all)."""
    return "\n".join(f"            {role:<9} {name:<17} {email} / {PASSWORD}"
                     for role, name, email in ACCOUNTS)


async def _serve(host, port, rate, demo, base, shop_port) -> None:
    config = uvicorn.Config("crowdcare.app:create_app", factory=True, host=host, port=port,
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    stop = asyncio.Event()
    shop = await serve_here(CallbackReceiver().app, shop_port)   # the shop's chat
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    traffic = asyncio.create_task(simulate(base, demo, rate, stop))
    page, fake_graph = await messenger.start(demo.workspace_id, base)   # a fake Graph API
    chats = asyncio.create_task(messenger.simulate(page, base, rate, stop, demo.orders))
    taps = asyncio.create_task(faq.tap_controls(page.fake, stop))   # the FAQ bot's buttons
    x_demo, fake_x = await community.start(demo.workspace_id, base)   # a fake X API
    mentions = asyncio.create_task(community.simulate(x_demo, demo.workspace_id, rate, stop))
    with contextlib.suppress(asyncio.CancelledError):
        await serving          # uvicorn handles Ctrl-C and returns
    stop.set()
    await traffic
    await chats
    await taps
    await mentions
    x_demo.fake.server.should_exit = True
    await fake_x
    page.fake.server.should_exit = True
    shop[0].should_exit = True
    await fake_graph
    await shop[1]
