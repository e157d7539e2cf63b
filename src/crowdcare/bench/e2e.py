"""`crowdcare bench e2e`: the whole pipeline under load, as an operator runs it.

Posts API-channel messages at each offered rate for a duration (customers write in bursts, so
several of one conversation are in flight at once), samples the backlog from the database
every half second, and reports per step: acked/s, processed/s, the backlog's course, the delay
from acknowledgement to processed (p50/p99, the delivery's `processed_at` against the client's
wall clock at the acknowledgement: one machine, one clock), and whether the backlog stayed flat
(the highest flat step is the sustainable rate). With `--drain N` it instead posts N messages
with no worker running and times one, then `--workers`, worker processes draining them
(optionally SIGKILLing one midway: how long until what it held is done). Then it reads every
conversation's timeline through the API and counts messages shown before one the customer
sent earlier (send order: the order the server stored them, its delivery ids), stale previews,
lost and doubled messages. In the same run it measures the bare insert endpoint of `bench
ingest` (bench/baseline.py), so the sustainable rate is also a ratio to what one insert per
request allows on this machine and database.

Shapes: `serve` (the default: `crowdcare serve` with its worker children), `apart` (`serve
--no-workers` plus `--workers` separate `crowdcare worker` processes, events over `--bus-url`),
`in-process` (workers inside the web process)."""
from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC
from urllib.parse import urlsplit

import httpx
import orjson
from sqlalchemy import func, select

from crowdcare.bench import servers
from crowdcare.bench.load import read_reply, request
from crowdcare.channels.testing import free_port

SHAPES = ("serve", "apart", "in-process")
PREFIX = "e2e-"
CONNECTIONS = 48
EMAIL, PASSWORD = "bench@e2e.test", "bench-e2e-password"
# a step is sustainable if its backlog grew by less than 5% of what it posted, or by less
# than half a second's worth (what is in flight at any instant)
FLAT = 0.05
START_SECONDS = 180   # a loaded machine starts a server slowly


@dataclass
class Ack:
    i: int
    status: int
    delivery_id: int | None
    at: float          # wall clock (time.time) at the acknowledgement


@dataclass
class Sampler:
    """The backlog (pending + processing) and the done count, every `every` seconds."""

    every: float = 0.5
    samples: list[tuple[float, int, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def read(self) -> tuple[int, int]:
        from crowdcare.store import db
        from crowdcare.store import models as m

        with db.session_scope() as session:
            counts = dict(session.execute(select(m.Delivery.status, func.count())
                                          .group_by(m.Delivery.status)).all())
        return counts.get("pending", 0) + counts.get("processing", 0), counts.get("done", 0)

    def run(self) -> None:
        while not self.stop.is_set():
            backlog, done = self.read()
            self.samples.append((time.time(), backlog, done))
            self.stop.wait(self.every)

    def between(self, start: float, end: float) -> list[tuple[float, int, int]]:
        return [s for s in self.samples if start <= s[0] <= end]


def _body(i: int, customers: int, burst: int) -> bytes:
    customer = (i // burst) % customers
    return orjson.dumps({"id": f"{PREFIX}{i}",
                         "customer": {"id": f"e2e-c{customer}", "name": f"Customer {customer}"},
                         "text": f"seq {i}: where is my order #{1000 + customer}?"})


async def post(url: str, token: str, first: int, n: int, rate: float | None,
               customers: int, burst: int) -> list[Ack]:
    """Post messages first..first+n-1: open loop at `rate` (message k due at start + k/rate;
    when every connection is busy they queue here, and acked/s says so), or as fast as the
    server answers with rate None."""
    parts = urlsplit(url)
    headers = {"Authorization": f"Bearer {token}"}
    due: asyncio.Queue = asyncio.Queue()
    acks: list[Ack] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while (i := await due.get()) is not None:
                writer.write(request(url, headers, i, _body(i, customers, burst)))
                try:
                    status, raw = await read_reply(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    acks.append(Ack(i, 0, None, time.time()))
                    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                    continue
                delivery = orjson.loads(raw).get("delivery_id") if status == 200 else None
                acks.append(Ack(i, status, delivery, time.time()))
        finally:
            writer.close()

    tasks = [asyncio.create_task(connection()) for _ in range(CONNECTIONS)]
    start = time.perf_counter()
    for k in range(n):
        if rate:
            delay = start + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        due.put_nowait(first + k)
    for _ in tasks:
        due.put_nowait(None)
    await asyncio.gather(*tasks)
    return acks


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 1)


def processed_at(delivery_ids: list[int]) -> dict[int, float]:
    from crowdcare.store import db
    from crowdcare.store import models as m

    out = {}
    with db.session_scope() as session:
        for chunk in range(0, len(delivery_ids), 5000):
            for i, at in session.execute(select(m.Delivery.id, m.Delivery.processed_at).where(
                    m.Delivery.id.in_(delivery_ids[chunk:chunk + 5000]),
                    m.Delivery.processed_at.is_not(None))):
                out[i] = (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()
    return out


def wait_drained(sampler: Sampler, seconds: float) -> bool:
    """True once a sample taken after this call finds no backlog."""
    since = time.time()
    deadline = since + seconds
    while time.time() < deadline:
        if sampler.samples and sampler.samples[-1][1] == 0 and sampler.samples[-1][0] > since:
            return True
        time.sleep(sampler.every)
    return False


def timelines(base: str, token: str, acks: list[Ack]) -> dict:
    """Read every conversation through the API: order of the timeline against send order.
    Lost: acknowledged, its delivery done, and not in any timeline; unprocessed: acknowledged
    and its delivery not done (yet)."""
    sent = {f"{PREFIX}{a.i}": a.delivery_id for a in acks if a.delivery_id is not None}
    done = set(processed_at(list(sent.values())))
    text = {f"{PREFIX}{a.i}": f"seq {a.i}:" for a in acks}
    inverted = conversations_inverted = stale_previews = doubled = 0
    seen: set[str] = set()
    with httpx.Client(base_url=base, timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        ids, offset = [], 0
        while True:
            page = http.get("/api/v1/conversations", params={
                "status": "all", "limit": 200, "offset": offset}).raise_for_status().json()
            ids += [c["id"] for c in page["items"]]
            offset += 200
            if offset >= page["total"]:
                break
        for cid in ids:
            conv = http.get(f"/api/v1/conversations/{cid}",
                            params={"limit": 1000}).raise_for_status().json()
            mine = [msg["external_id"] for msg in conv["messages"]
                    if msg["author"] == "customer" and (msg["external_id"] or "").startswith(PREFIX)]
            doubled += len(mine) - len(set(mine))
            seen |= set(mine)
            order = [sent[e] for e in mine if e in sent]
            # a message is inverted when it is shown before one the customer sent earlier
            later_min, bad = float("inf"), 0
            for did in reversed(order):
                bad += did > later_min
                later_min = min(later_min, did)
            inverted += bad
            conversations_inverted += bad > 0
            known = [e for e in mine if e in sent]
            if known:   # the preview shows the newest message stored (sent last)
                newest = max(known, key=sent.__getitem__)
                stale_previews += not (conv.get("preview") or "").startswith(text[newest])
    return {"conversations": len(ids), "inverted_messages": inverted,
            "conversations_with_inversions": conversations_inverted,
            "stale_previews": stale_previews, "doubled": doubled,
            "lost": sum(1 for e in set(sent) - seen if sent[e] in done),
            "unprocessed": sum(1 for d in sent.values() if d not in done)}


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def baseline(database_url: str | None, tmp: str, n: int) -> dict:
    url = database_url or servers.database(tmp, None, "baseline")
    port = free_port()
    with servers.process(["-m", "crowdcare.bench.baseline", "--port", str(port),
                          "--database-url", url], f"http://127.0.0.1:{port}/", {}, START_SECONDS):
        target = f"http://127.0.0.1:{port}/ingest"
        servers.load(target, max(300, n // 10), 32, offset=10_000_000)
        return servers.load(target, n, 32)


@contextlib.contextmanager
def _deployment(shape: str, workers: int, env: dict, port: int, bus_url: str | None,
                start_workers: bool = True):
    """The server (and workers) for a shape; yields the list of worker processes it started
    itself (the `apart` shape), so one can be killed."""
    base = f"http://127.0.0.1:{port}"
    serve = ["-m", "crowdcare", "serve", "--port", str(port), "--no-migrate",
             "--log-level", "warning"]
    env = dict(env)
    if bus_url:
        env["CROWDCARE_BUS_URL"] = bus_url
    if shape == "serve" and start_workers:
        serve += ["--worker-processes", str(workers)]
    elif shape == "in-process" and start_workers:
        serve += ["--in-process-workers"]
    else:
        serve += ["--no-workers"]
    with contextlib.ExitStack() as stack:
        stack.enter_context(servers.process(serve, f"{base}/healthz", env, START_SECONDS))
        procs = []
        if shape == "apart" and start_workers:
            procs = start_apart(stack, workers, env)
        yield procs, stack, env


def start_apart(stack: contextlib.ExitStack, workers: int, env: dict) -> list:
    return [stack.enter_context(servers.process(["-m", "crowdcare", "worker"], None, env))
            for _ in range(workers)]


def _prepare(url: str) -> tuple[int, str, str]:
    from crowdcare.actions import people
    from crowdcare.store import db
    from crowdcare.store import models as m

    account_id, inbound = servers.prepare(url, agent=(EMAIL, PASSWORD), workspace="E2E")
    with db.session_scope() as session:
        agent = session.scalar(select(m.Agent).where(m.Agent.email == EMAIL))
        api = people.do_create_token(session, agent, "bench")
    return account_id, inbound, api


def _step(acks: list[Ack], sampler: Sampler, start: float, end: float, rate: float | None,
          done_at: dict[int, float]) -> dict:
    ok = [a for a in acks if a.status == 200]
    window = sampler.between(start, end + sampler.every)
    backlog = [b for _, b, _ in window]
    done = [d for _, _, d in window]
    seconds = max(end - start, 1e-9)
    delays = [done_at[a.delivery_id] - a.at for a in ok if a.delivery_id in done_at]
    growth = (backlog[-1] - backlog[0]) if len(backlog) > 1 else 0
    return {
        "offered_per_s": rate, "posted": len(acks), "acked": len(ok),
        "deferred_503": sum(a.status == 503 for a in acks),
        "errors": sum(a.status not in (200, 503) for a in acks),
        "seconds": round(seconds, 2), "acked_per_s": round(len(ok) / seconds, 1),
        "processed_per_s": round((done[-1] - done[0]) / seconds, 1) if len(done) > 1 else 0.0,
        "backlog": backlog[:: max(1, len(backlog) // 12)] + backlog[-1:],
        "backlog_growth": growth,
        "flat": growth <= max(FLAT * len(ok), 0.5 * (rate or 0)) and len(ok) >= 0.95 * len(acks)
        and len(ok) >= 0.95 * (rate or 0) * seconds,
        "delay_p50_ms": _pct(delays, 0.5), "delay_p99_ms": _pct(delays, 0.99),
        "unprocessed": len(ok) - len(delays),
    }


def run(rates: list[float], seconds: float, shape: str = "serve", workers: int = 1,
        database_url: str | None = None, bus_url: str | None = None, customers: int = 200,
        burst: int = 5, drain: int = 0, kill: bool = False, settle: float = 60,
        baseline_n: int = 3000) -> dict:
    result: dict = {"shape": "apart (drain)" if drain else shape, "workers": workers,
                    "database": "postgresql" if database_url else "sqlite",
                    "bus": bus_url or ("local socket" if shape == "serve" else "in-process"),
                    "customers": customers, "burst": burst, "cpus": os.cpu_count(),
                    "loadavg_start": _loadavg()}
    with tempfile.TemporaryDirectory(prefix="crowdcare-bench-e2e-") as tmp:
        url = servers.database(tmp, database_url, "e2e")
        account_id, inbound, api = _prepare(url)
        env = {"CROWDCARE_DATABASE_URL": url}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        webhook = f"{base}/webhooks/api/{account_id}"
        sampler = Sampler()
        threading.Thread(target=sampler.run, daemon=True).start()
        all_acks: list[Ack] = []
        try:
            if drain:
                result["drain"] = _drains(drain, workers, kill, env, port, bus_url, webhook,
                                          inbound, customers, burst, sampler, all_acks, settle,
                                          shape)
                with _deployment(shape, 0, env, port, bus_url, start_workers=False):
                    result["order"] = timelines(base, api, all_acks)
            else:
                with _deployment(shape, workers, env, port, bus_url):
                    # warm: the workers load their models, the caches fill (not measured)
                    t0 = time.time()
                    asyncio.run(post(webhook, inbound, 50_000_000, 100, None, customers, burst))
                    result["warm_up_s"] = round(time.time() - t0, 1) \
                        if wait_drained(sampler, START_SECONDS) else None
                    steps, first = [], 0
                    for rate in rates:
                        start = time.time()
                        acks = asyncio.run(post(webhook, inbound, first, int(rate * seconds),
                                                rate, customers, burst))
                        end = time.time()
                        first += len(acks)
                        all_acks += acks
                        steps.append((acks, start, end, rate))
                    result["drained_after_s"] = None
                    t0 = time.time()
                    if wait_drained(sampler, settle):
                        result["drained_after_s"] = round(time.time() - t0, 1)
                    done_at = processed_at([a.delivery_id for a in all_acks if a.delivery_id])
                    result["steps"] = [_step(a, sampler, s, e, r, done_at)
                                       for a, s, e, r in steps]
                    flat = [s["offered_per_s"] for s in result["steps"] if s["flat"]]
                    result["sustainable_per_s"] = max(flat) if flat else None
                # read with no worker running: a still-draining backlog would race the reads
                with _deployment(shape, 0, env, port, bus_url, start_workers=False):
                    result["order"] = timelines(base, api, all_acks)
        finally:
            sampler.stop.set()
        result["loadavg_end"] = _loadavg()
        result["baseline"] = baseline(database_url, tmp, baseline_n)
    if result.get("sustainable_per_s"):
        result["sustainable_ratio"] = round(result["sustainable_per_s"] /
                                            result["baseline"]["throughput"], 3)
    return result


def _drains(n: int, workers: int, kill: bool, env: dict, port: int, bus_url: str | None,
            webhook: str, inbound: str, customers: int, burst: int, sampler: Sampler,
            all_acks: list[Ack], settle: float, shape: str) -> list[dict]:
    """A backlog of n, drained by 1 worker process, then a new one by `workers` of them."""
    out, first = [], 0
    for count in sorted({1, workers}):
        with _deployment("apart", count, env, port, bus_url, start_workers=False) as (_, stack,
                                                                                     env2):
            acks = asyncio.run(post(webhook, inbound, first, n, None, customers, burst))
            first += n
            all_acks += acks
            ids = [a.delivery_id for a in acks if a.delivery_id]
            started = time.time()
            procs = start_apart(stack, count, env2)
            killed = None
            if kill and count > 1:
                killed = _kill_midway(procs[0], sampler, n)
            drained = wait_drained(sampler, settle + 60)
            done_at = processed_at(ids)
        times = sorted(done_at.values())
        rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
        entry = {"workers": count, "backlog": n, "acked": len(ids), "drained": drained,
                 "processed": len(done_at), "per_s": round(rate, 1),
                 "first_processed_after_s": round(times[0] - started, 1) if times else None}
        if killed:
            held, at = killed
            takeover = [done_at[i] - at for i in held if i in done_at]
            entry["killed"] = {"claims_held": len(held),
                               "taken_over_in_s": round(max(takeover), 2) if takeover else None,
                               "not_done": len(held) - len(takeover)}
        out.append(entry)
    if len(out) == 2 and out[0]["per_s"]:
        out[1]["ratio_to_one"] = round(out[1]["per_s"] / out[0]["per_s"], 2)
    return out


def _kill_midway(proc, sampler: Sampler, n: int) -> tuple[list[int], float] | None:
    """SIGKILL one worker once a third of the backlog is done; returns the deliveries claimed
    at that instant (by any worker) and when."""
    from crowdcare.store import db
    from crowdcare.store import models as m

    start_done = sampler.samples[-1][2] if sampler.samples else 0
    deadline = time.time() + 300
    while time.time() < deadline:
        if sampler.samples and sampler.samples[-1][2] - start_done >= n // 3:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    at = time.time()
    with db.session_scope() as session:
        held = session.scalars(select(m.Delivery.id).where(m.Delivery.status == "processing")).all()
    return list(held), at


def report(r: dict) -> list[str]:
    b = r["baseline"]
    lines = [f"bench e2e: shape {r['shape']}, {r['workers']} worker process(es), "
             f"{r['database']}, bus {r['bus']}; {r['customers']} customers writing in bursts "
             f"of {r['burst']}; {r['cpus']} CPUs, load average {r['loadavg_start']} at start, "
             f"{r['loadavg_end']} at end (a shared machine makes every figure noisy)"]
    if "warm_up_s" in r:
        lines.append("  warm-up (100 messages, workers starting): "
                     + (f"{r['warm_up_s']} s" if r["warm_up_s"] is not None else
                        "NOT drained: the steps began with workers not yet up"))
    for s in r.get("steps", []):
        lines.append(
            f"  offered {s['offered_per_s']:g}/s for {s['seconds']} s: acked {s['acked_per_s']}/s "
            f"({s['deferred_503']} deferred, {s['errors']} errors), processed "
            f"{s['processed_per_s']}/s, backlog {s['backlog']} "
            f"({'flat' if s['flat'] else 'growing'}), ack->processed p50 {s['delay_p50_ms']} ms "
            f"p99 {s['delay_p99_ms']} ms")
    if "steps" in r:
        lines.append(f"  drained {r['drained_after_s']} s after the last step"
                     if r["drained_after_s"] is not None else "  NOT drained within --settle")
        lines.append(f"  sustainable (backlog flat): {r['sustainable_per_s']}/s"
                     + (f" = {r['sustainable_ratio']} x the bare insert"
                        if r.get("sustainable_ratio") else ""))
    for d in r.get("drain", []):
        line = (f"  drain of {d['backlog']} by {d['workers']} worker(s): {d['per_s']}/s "
                f"({d['processed']} of {d['acked']} processed; first after "
                f"{d['first_processed_after_s']} s of start-up)")
        if "ratio_to_one" in d:
            line += f", {d['ratio_to_one']} x one worker"
        lines.append(line)
        if "killed" in d:
            k = d["killed"]
            lines.append(f"    one worker SIGKILLed holding (with the others) {k['claims_held']} "
                         f"claims: all done {k['taken_over_in_s']} s later "
                         f"({k['not_done']} never done)")
    o = r["order"]
    lines.append(f"  order: {o['inverted_messages']} messages shown before one sent earlier, in "
                 f"{o['conversations_with_inversions']} of {o['conversations']} conversations; "
                 f"{o['stale_previews']} stale previews; {o['lost']} lost, {o['doubled']} doubled"
                 + (f"; {o['unprocessed']} acknowledged but never processed"
                    if o["unprocessed"] else ""))
    lines.append(f"  bare insert baseline: {b['throughput']}/s (closed loop, concurrency 32, "
                 f"p99 {b['p99_ms']} ms)")
    return lines
