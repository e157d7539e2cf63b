"""`crowdcare bench console`: live-console latency. Starts the server (workers in process) on a
temporary database, signs in 50 consoles that hold the live stream open with their session
cookie, posts customer messages to the webhook at 200/s, and measures, for every message and
every console, the delay from the webhook's acknowledgement to the message's update arriving
on that console's websocket. Target: p99 <= 100 ms."""
from __future__ import annotations

import asyncio
import contextlib
import re
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx
import orjson

from crowdcare.bench import servers
from crowdcare.channels.testing import free_port

EMAIL, PASSWORD = "bench@console.test", "bench-console-pw"
PREFIX = "bc-"
WARMUP = 30
ENDPOINTS = {"live": "/web/live", "stream": "/api/v1/stream"}   # the console's feed; the API's


def _cookie(base: str) -> str:
    with httpx.Client(base_url=base, timeout=10) as http:
        page = http.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = http.post("/login", data={"email": EMAIL, "password": PASSWORD, "next": "/inbox",
                                      "csrf_token": token})
        if r.status_code != 303:
            raise RuntimeError(f"bench sign-in failed: HTTP {r.status_code}")
        return f"crowdcare_session={http.cookies['crowdcare_session']}"


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 2)


async def _measure(base: str, webhook: str, token: str, cookie: str, consoles: int, rate: float,
                   seconds: float, endpoint: str) -> dict:
    from websockets.asyncio.client import connect

    n = int(rate * seconds)
    acks: dict[str, float] = {}
    arrivals: list[dict[str, float]] = [dict() for _ in range(consoles)]
    fanout: list[float] = []   # the event's commit (server clock) -> arrival: the console's share
    written: dict[str, float] = {}   # when the server wrote each message's event (wall clock)
    ack_wall: dict[str, float] = {}
    ws_url = base.replace("http://", "ws://") + ENDPOINTS[endpoint]
    sockets = [await connect(ws_url, additional_headers={"Cookie": cookie}, max_queue=None)
               for _ in range(consoles)]

    async def listen(i: int, sock) -> None:
        async for raw in sock:
            now, wall = time.perf_counter(), time.time()
            if "message.created" not in raw:   # keep the measuring client light
                continue
            data = orjson.loads(raw)
            for ev in data if isinstance(data, list) else [data]:
                if ev.get("name") != "message.created":
                    continue
                ext = ev.get("external_id") or (ev.get("payload") or {}).get("external_id") or ""
                if ext.startswith(PREFIX):
                    arrivals[i][ext] = now
                    created = ev.get("at") or ev.get("created_at")
                    if created:
                        at = datetime.fromisoformat(created).timestamp()
                        written[ext] = at
                        fanout.append(wall - at)

    listeners = [asyncio.create_task(listen(i, s)) for i, s in enumerate(sockets)]
    errors = 0
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(timeout=10, limits=limits) as http:
        async def post(i: int) -> None:
            nonlocal errors
            ext = f"{PREFIX}{i}"
            body = {"id": ext, "customer": {"id": f"c-{i % 500}", "name": f"Customer {i % 500}"},
                    "text": f"Hi, where is my order #{1000 + i % 900}? It should have arrived."}
            try:
                r = await http.post(webhook, json=body, headers=headers)
            except httpx.HTTPError:
                errors += 1
                return
            if r.status_code == 200:
                acks[ext] = time.perf_counter()
                ack_wall[ext] = time.time()
            else:
                errors += 1

        for i in range(WARMUP):   # load the triage models, warm the caches: not measured
            await http.post(webhook, headers=headers, json={
                "id": f"warm-{i}", "customer": {"id": f"w-{i}", "name": "Warm Up"},
                "text": "Hello, is my order on its way?"})
        await asyncio.sleep(2)
        start = time.perf_counter()
        tasks = []
        for i in range(n):   # open loop: message i is due at start + i / rate
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(i)))
        await asyncio.gather(*tasks)
        posted_in = time.perf_counter() - start
    deadline = time.perf_counter() + 15
    while time.perf_counter() < deadline and any(len(a) < len(acks) for a in arrivals):
        await asyncio.sleep(0.05)
    for s in sockets:
        await s.close()
    for t in listeners:
        t.cancel()
    delays = sorted(max(0.0, got[ext] - acks[ext]) for got in arrivals for ext in got
                    if ext in acks)
    expected = len(acks) * consoles
    pipeline = sorted(max(0.0, written[e] - ack_wall[e]) for e in written if e in ack_wall)
    return {"consoles": consoles, "rate": rate, "messages": n, "acknowledged": len(acks),
            "errors": errors, "post_seconds": round(posted_in, 2), "updates": len(delays),
            "missing": expected - len(delays), "p50_ms": _pct(delays, 0.50),
            "p99_ms": _pct(delays, 0.99), "max_ms": _pct(delays, 1.0),
            "fanout_p50_ms": _pct(sorted(fanout), 0.50), "fanout_p99_ms": _pct(sorted(fanout), 0.99),
            "pipeline_p50_ms": _pct(pipeline, 0.50), "pipeline_p99_ms": _pct(pipeline, 0.99)}


def run(consoles: int = 50, rate: float = 200, seconds: float = 10,
        database_url: str | None = None, endpoint: str = "live", worker_processes: int = 0,
        bus_url: str = "nats://127.0.0.1:4222") -> dict:
    with tempfile.TemporaryDirectory(prefix="crowdcare-bench-console-") as tmp:
        if database_url:
            from crowdcare.bench.ingest import _reset_postgres

            _reset_postgres(database_url)
            url = database_url
        else:
            url = f"sqlite:///{Path(tmp) / 'console.db'}"
        account_id, token = servers.prepare(url, agent=(EMAIL, PASSWORD))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {"CROWDCARE_DATABASE_URL": url, "CROWDCARE_RUN_WORKERS": "true"}
        serve = ["-m", "crowdcare", "serve", "--port", str(port), "--no-migrate",
                 "--log-level", "warning"]
        if worker_processes:   # the scale-out shape: workers apart, events over NATS
            env.update(CROWDCARE_BUS_URL=bus_url, CROWDCARE_WORKER_POLL_SECONDS="0.02")
            serve.append("--no-workers")
        with contextlib.ExitStack() as stack:
            stack.enter_context(servers.process(serve, f"{base}/healthz", env))
            for _ in range(worker_processes):
                stack.enter_context(servers.process(["-m", "crowdcare", "worker"], None, env))
            cookie = _cookie(base)
            result = asyncio.run(_measure(base, f"{base}/webhooks/api/{account_id}", token,
                                          cookie, consoles, rate, seconds, endpoint))
    result["database"] = "postgresql" if database_url else "sqlite"
    result["endpoint"] = ENDPOINTS[endpoint]
    result["worker_processes"] = worker_processes
    result["target_p99_ms"] = 100
    return result


def report(r: dict) -> list[str]:
    return [
        f"bench console on {r['database']}"
        f"{', ' + str(r['worker_processes']) + ' worker processes, NATS bus' if r['worker_processes'] else ', workers in the serving process'}: "
        f"{r['consoles']} live consoles on {r['endpoint']}, "
        f"{r['messages']} "
        f"messages at {r['rate']:g}/s (posted in {r['post_seconds']} s, {r['errors']} errors)",
        f"  webhook ack -> update on each console: {r['updates']} updates "
        f"({r['missing']} missing)",
        f"  p50 {r['p50_ms']} ms   p99 {r['p99_ms']} ms   max {r['max_ms']} ms   "
        f"(target p99 <= {r['target_p99_ms']} ms)",
        f"  ack -> event written (delivery worker): p50 {r['pipeline_p50_ms']} ms   "
        f"p99 {r['pipeline_p99_ms']} ms",
        f"  event written -> console (fan-out):     p50 {r['fanout_p50_ms']} ms   "
        f"p99 {r['fanout_p99_ms']} ms",
    ]
