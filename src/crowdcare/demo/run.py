"""Serve the seeded demo with traffic; Ctrl-C stops everything cleanly."""
from __future__ import annotations

import asyncio
import contextlib

import uvicorn

from crowdcare.demo import faq, messenger, webshop
from crowdcare.demo.seed import ADMIN_EMAIL, PASSWORD, seed
from crowdcare.demo.traffic import simulate


def run(host: str = "127.0.0.1", port: int = 8000, rate: float = 0.5) -> None:
    demo = seed()
    base = f"http://{host}:{port}"
    print(f"""
crowdcare demo: Northwind Threads, a small online clothing store
  console   {base}/           sign in as {ADMIN_EMAIL} / {PASSWORD}
  API docs  {base}/docs       bearer token: {demo.agent_token}
  traffic   ~{rate} simulated customer messages/s through {base}/webhooks/api/{demo.api_account_id}
  messenger a Facebook page on a local fake Graph API: customers write through signed webhooks
Ctrl-C stops.
""", flush=True)
    asyncio.run(_serve(host, port, rate, demo, base))


async def _serve(host, port, rate, demo, base) -> None:
    config = uvicorn.Config("crowdcare.app:create_app", factory=True, host=host, port=port,
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    stop = asyncio.Event()
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    shop, shop_task = await webshop.start(demo.api_account_id)   # web-chat answers land here
    traffic = asyncio.create_task(simulate(base, demo, rate, stop))
    page, fake_graph = await messenger.start(demo.workspace_id, base)   # a fake Graph API
    chats = asyncio.create_task(messenger.simulate(page, base, rate, stop))
    taps = asyncio.create_task(faq.tap_controls(page.fake, stop))   # the FAQ bot's buttons
    with contextlib.suppress(asyncio.CancelledError):
        await serving          # uvicorn handles Ctrl-C and returns
    stop.set()
    await traffic
    await chats
    await taps
    shop.should_exit = True
    await shop_task
    page.fake.server.should_exit = True
    await fake_graph
