"""Simulated customers posting through the real webhook endpoint, as a business would."""
from __future__ import annotations

import asyncio
import itertools
import random
import uuid

import httpx

from crowdcare.demo import texts
from crowdcare.demo.seed import Demo


def next_message(rng: random.Random, demo: Demo) -> dict:
    """A seeded store customer writes (the shop's chat knows who is signed in), about their
    own order when they name one. Ids are random: never one already stored, across restarts."""
    bucket = rng.choices(["service", "angry", "other", "noise"], weights=[60, 8, 17, 15])[0]
    template = rng.choice({"service": texts.SERVICE, "angry": texts.ANGRY,
                           "other": texts.OTHER_LANGUAGES, "noise": texts.NOISE}[bucket])
    name, external = rng.choice(demo.customers)
    order = demo.orders.get(name, "NW-1001")
    return {"id": f"sim-{uuid.uuid4().hex}",
            "customer": {"id": external, "name": name},
            "text": template.format(order=order)}


SHIPPING = ["in_transit", "out_for_delivery", "delivered"]


async def ship(http: httpx.AsyncClient, base_url: str, demo: Demo, rng: random.Random) -> None:
    """The shop moves an order along, as its fulfilment system would (through the API): the
    shipping update reaches the customer's Messenger thread and their journey, live."""
    api = {"Authorization": f"Bearer {demo.agent_token}"}
    orders = (await http.get(f"{base_url}/api/v1/orders", headers=api, params={"limit": 50})).json()
    moving = [o for o in orders.get("items", []) if o["status"] not in ("delivered",)]
    if not moving:
        return
    order = rng.choice(moving)
    done = [e["status"] for e in order.get("shipping_events", [])]
    status = next((s for s in SHIPPING if s not in done), "delivered")
    await http.post(f"{base_url}/api/v1/orders/{order['id']}/shipping-events", headers=api,
                    json={"status": status, "carrier": "UPS",
                          "tracking_number": f"1Z{order['id']:08d}",
                          "location": rng.choice(["Oakland, CA", "Reno, NV", "Springfield"])})


async def simulate(base_url: str, demo: Demo, rate: float, stop: asyncio.Event,
                   seed: int | None = None) -> int:
    rng = random.Random(seed)
    url = f"{base_url}/webhooks/api/{demo.api_account_id}"
    headers = {"Authorization": f"Bearer {demo.inbound_token}"}
    sent = 0
    async with httpx.AsyncClient(timeout=10) as http:
        for _ in itertools.count():
            if stop.is_set():
                break
            try:
                resp = await http.post(url, json=next_message(rng, demo), headers=headers)
                sent += resp.status_code == 200
                if rng.random() < 0.04:
                    await ship(http, base_url, demo, rng)
            except (httpx.HTTPError, ValueError):
                pass  # the server is starting or stopping
            try:
                await asyncio.wait_for(stop.wait(), timeout=rng.expovariate(rate))
            except TimeoutError:
                pass
    return sent
