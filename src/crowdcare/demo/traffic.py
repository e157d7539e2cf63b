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
    bucket = rng.choices(["service", "angry", "other", "noise"], weights=[60, 8, 17, 15])[0]
    template = rng.choice({"service": texts.SERVICE, "angry": texts.ANGRY,
                           "other": texts.OTHER_LANGUAGES, "noise": texts.NOISE}[bucket])
    n = rng.randrange(len(demo.customers))
    name, external = demo.customers[n]
    # mostly the customer's own order (seed.py: customer n has NW-{1001+n}), sometimes not
    order = f"NW-{1001 + n}" if rng.random() < 0.85 or not demo.order_numbers \
        else rng.choice(demo.order_numbers)
    return {"id": f"sim-{uuid.uuid4().hex[:12]}",
            "customer": {"id": external, "name": name},
            "text": template.format(order=order)}


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
            except httpx.HTTPError:
                pass  # the server is starting or stopping
            try:
                await asyncio.wait_for(stop.wait(), timeout=rng.expovariate(rate))
            except TimeoutError:
                pass
    return sent
