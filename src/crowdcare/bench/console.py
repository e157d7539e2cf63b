"""`crowdcare bench console`: live-console latency. Starts the server (workers in process) on a
temporary database, signs in 50 consoles that hold the live stream open with their session
cookie, posts customer messages to the webhook at 200/s, and measures, for every message and
every console, the delay from the webhook's acknowledgement to the message's update arriving
on that console's websocket. Target: p99 <= 100 ms."""
from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import os
import re
import tempfile
import time
from datetime import datetime
from urllib.parse import urlsplit

import httpx
import orjson

from crowdcare.bench import servers
from crowdcare.channels.testing import free_port

EMAIL, PASSWORD = "bench@console.test", "bench-console-pw"
PREFIX = "bc-"
WARMUP = 30
CONNECTIONS = 32   # keep-alive connections the webhook posts share
ENDPOINTS = {"live": "/web/live", "stream": "/api/v1/stream"}   # the console's feed; the API's


def sign_in(base: str, email: str = EMAIL, password: str = PASSWORD) -> str:
    """The console's session cookie, signed in through the login form."""
    with httpx.Client(base_url=base, timeout=10) as http:
        page = http.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = http.post("/login", data={"email": email, "password": password, "next": "/inbox",
                                      "csrf_token": token})
        if r.status_code != 303:
            raise RuntimeError(f"bench sign-in failed: HTTP {r.status_code}")
        return f"crowdcare_session={http.cookies['crowdcare_session']}"


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 2)


class _Console(asyncio.Protocol):
    """A websocket console client on a raw asyncio protocol: frames are parsed and timestamped
    in data_received, with no coroutine per frame, so 50 of them at 200 updates/s each stay
    a small load and the arrival times are the server's, not the client's backlog."""

    def __init__(self, request: bytes, on_event) -> None:
        self.request, self.on_event = request, on_event
        self.buf = bytearray()
        self.open: asyncio.Future = asyncio.get_running_loop().create_future()
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buf = self.buf
        buf += data
        if not self.open.done():
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.open.set_exception(RuntimeError(bytes(buf[:end]).decode(errors="replace")))
                return
            del buf[:end + 4]
            self.open.set_result(None)
        while len(buf) >= 2:   # server frames: unmasked, unfragmented
            opcode, n, at = buf[0] & 0x0F, buf[1] & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    return
                n, at = int.from_bytes(buf[2:4], "big"), 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n, at = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < at + n:
                return
            payload = bytes(buf[at:at + n])
            del buf[:at + n]
            if opcode == 1:
                self.on_event(payload, now)
            elif opcode == 9:   # ping: answer with a (masked) pong
                self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)

    def connection_lost(self, exc) -> None:
        if not self.open.done():
            self.open.set_exception(exc or ConnectionError("closed"))


async def _open_console(host: str, port: int, path: str, cookie: str, on_event) -> _Console:
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\nCookie: {cookie}\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    _, console = await loop.create_connection(lambda: _Console(request, on_event), host, port)
    await asyncio.wait_for(console.open, 10)
    return console


class _Poster(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection posting webhooks; responses are timestamped as
    they arrive (in order: one request in flight per connection)."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.waiting: collections.deque = collections.deque()
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def send(self, request: bytes) -> asyncio.Future:
        done = asyncio.get_running_loop().create_future()
        self.waiting.append(done)
        self.transport.write(request)
        return done

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end])
            m = re.search(rb"(?i)content-length:\s*(\d+)", head)
            size = end + 4 + (int(m.group(1)) if m else 0)
            if len(self.buf) < size:
                return
            del self.buf[:size]
            if self.waiting:
                self.waiting.popleft().set_result((int(head[9:12]), now))

    def connection_lost(self, exc) -> None:
        while self.waiting:
            self.waiting.popleft().set_exception(exc or ConnectionError("closed"))


def _post_request(host: str, port: int, path: str, token: str, i: int | str) -> bytes:
    ext = i if isinstance(i, str) else f"{PREFIX}{i}"
    n = 0 if isinstance(i, str) else i
    body = orjson.dumps({"id": ext, "customer": {"id": f"c-{n % 500}",
                                                "name": f"Customer {n % 500}"},
                         "text": f"Hi, where is my order #{1000 + n % 900}? It should have "
                                 "arrived."})
    return (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _measure(base: str, webhook: str, token: str, cookie: str, consoles: int, rate: float,
                   seconds: float, endpoint: str) -> dict:
    parts = urlsplit(base)
    host, port = parts.hostname, parts.port
    path = urlsplit(webhook).path
    n = int(rate * seconds)
    acks: dict[str, float] = {}
    arrivals: list[dict[str, float]] = [dict() for _ in range(consoles)]
    fanout: list[float] = []   # the event's commit (server clock) -> arrival: the console's share
    written: dict[str, float] = {}   # when the server wrote each message's event (wall clock)
    ack_wall: dict[str, float] = {}
    offset = time.time() - time.perf_counter()   # perf_counter -> wall clock

    def on_event(i: int):
        got = arrivals[i]

        def handle(raw: bytes, now: float) -> None:
            if b"message.created" not in raw:   # keep the measuring client light
                return
            data = orjson.loads(raw)
            for ev in data if isinstance(data, list) else [data]:
                if ev.get("name") != "message.created":
                    continue
                ext = ev.get("external_id") or (ev.get("payload") or {}).get("external_id") or ""
                if ext.startswith(PREFIX) and ext not in got:
                    got[ext] = now
                    created = ev.get("at") or ev.get("created_at")
                    if created:
                        at = datetime.fromisoformat(created).timestamp()
                        written[ext] = at
                        fanout.append(now + offset - at)
        return handle

    sockets = [await _open_console(host, port, ENDPOINTS[endpoint], cookie, on_event(i))
               for i in range(consoles)]
    loop = asyncio.get_running_loop()
    posters = []
    for _ in range(CONNECTIONS):
        _, poster = await loop.create_connection(_Poster, host, port)
        posters.append(poster)
    free: asyncio.Queue = asyncio.Queue()
    for poster in posters:
        free.put_nowait(poster)
    errors = 0

    async def post(i: int) -> None:
        nonlocal errors
        poster = await free.get()   # every connection busy: wait for one (the open loop slips)
        try:
            status, at = await poster.send(_post_request(host, port, path, token, i))
        except (ConnectionError, OSError):
            errors += 1
            return
        free.put_nowait(poster)
        if status == 200:
            acks[f"{PREFIX}{i}"] = at
            ack_wall[f"{PREFIX}{i}"] = at + offset
        else:
            errors += 1

    for i in range(WARMUP):   # load the triage models, warm the caches: not measured
        await posters[0].send(_post_request(host, port, path, token, f"warm-{i}"))
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
    for s in sockets + posters:
        s.transport.close()
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
        url = servers.database(tmp, database_url, "console")
        account_id, token = servers.prepare(url, agent=(EMAIL, PASSWORD))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {"CROWDCARE_DATABASE_URL": url, "CROWDCARE_RUN_WORKERS": "true"}
        serve = ["-m", "crowdcare", "serve", "--port", str(port), "--no-migrate",
                 "--log-level", "warning"]
        if worker_processes:   # the scale-out shape: workers apart, events over NATS
            env.update(CROWDCARE_BUS_URL=bus_url, CROWDCARE_WORKER_POLL_SECONDS="0.02")
            serve.append("--no-workers")
        else:
            serve.append("--in-process-workers")
        with contextlib.ExitStack() as stack:
            stack.enter_context(servers.process(serve, f"{base}/healthz", env))
            for _ in range(worker_processes):
                stack.enter_context(servers.process(["-m", "crowdcare", "worker"], None, env))
            cookie = sign_in(base)
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
