"""Order, wake-up and failover with separate worker processes (issue #16), measured over HTTP:

    python -m crowdcare.bench.order --database-url postgresql://... --workers 2 [--kill]

Starts a NATS server of its own (or uses --nats), `crowdcare serve --no-workers` and N
`crowdcare worker` processes, then
- bursts: each customer sends `--per` messages one after another (the next once the last is
  acknowledged), customers started at `--rate` messages/s; counts the messages shown before
  one their customer sent earlier (inversions), and previews that are not the newest;
- wake-up: single messages at `--slow-rate`/s to an idle pool; the delay from storing to
  processed (p50/p99);
- with --kill: one worker is SIGKILLed while it holds claims, in the middle of the bursts; the
  seconds until the last of its claims was processed by another;
- the baseline, in the same run: the wake-up delay with the workers inside one `serve`.
Prints one JSON object. (To be folded into `crowdcare bench e2e`.)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from crowdcare.bench import servers
from crowdcare.channels.testing import free_port


def _up(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _child(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crowdcare", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=log.open("wb"))


def _wait(check, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.1)


async def _bursts(url: str, headers: dict, customers: int, per: int, rate: float,
                  tag: str, during=None) -> None:
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as http:
        start = time.perf_counter()

        async def customer(c: int) -> None:
            await asyncio.sleep(max(0.0, start + c * per / rate - time.perf_counter()))
            for seq in range(per):
                r = await http.post(url, headers=headers, json={
                    "id": f"{tag}-{c}-{seq}", "customer": {"id": f"{tag}-{c}"},
                    "text": f"#{seq}: where is my order?"})
                r.raise_for_status()

        jobs = [asyncio.ensure_future(customer(c)) for c in range(customers)]
        if during is not None:
            await during()
        await asyncio.gather(*jobs)


async def _singles(url: str, headers: dict, n: int, rate: float, tag: str = "single") -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        start = time.perf_counter()
        for i in range(n):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            r = await http.post(url, headers=headers, json={
                "id": f"{tag}-{i}", "customer": {"id": f"{tag}-{i}"}, "text": "hello?"})
            r.raise_for_status()


def _drained(timeout: float = 300) -> None:
    from sqlalchemy import func, select

    from crowdcare.store import db
    from crowdcare.store import models as m

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session_scope() as s:
            if not s.scalar(select(func.count()).select_from(m.Delivery)
                            .where(m.Delivery.status.in_(("pending", "processing")))):
                return
        time.sleep(0.1)
    raise RuntimeError("the backlog did not drain")


def _order(tag: str) -> dict:
    from sqlalchemy import select

    from crowdcare.store import db
    from crowdcare.store import models as m

    with db.session_scope() as s:
        rows = s.execute(select(m.Identity.external_id, m.Message.text, m.Conversation.last_preview)
                         .join(m.Conversation, m.Conversation.id == m.Message.conversation_id)
                         .join(m.Identity, m.Identity.id == m.Conversation.identity_id)
                         .where(m.Identity.external_id.startswith(f"{tag}-"))
                         .order_by(m.Message.id)).all()
    threads: dict[str, tuple[list[int], str]] = {}
    for customer, text, preview in rows:
        seqs = threads.setdefault(customer, ([], preview))[0]
        seqs.append(int(text[1:text.index(":")]))
    inversions = stale = bad = 0
    for seqs, preview in threads.values():
        late = sum(1 for i, s in enumerate(seqs) if any(t < s for t in seqs[i + 1:]))
        inversions += late
        bad += late > 0
        stale += not preview.startswith(f"#{max(seqs)}:")
    return {"messages": len(rows), "conversations": len(threads), "inversions": inversions,
            "conversations_out_of_order": bad, "stale_previews": stale}


def _delays(prefix: str) -> dict:
    from sqlalchemy import select

    from crowdcare.store import db
    from crowdcare.store import models as m

    with db.session_scope() as s:
        rows = s.execute(select(m.Delivery.received_at, m.Delivery.processed_at).join(
            m.Message, m.Message.delivery_id == m.Delivery.id)
            .where(m.Message.external_id.startswith(prefix))).all()
    ms = sorted((done - got).total_seconds() * 1000 for got, done in rows)

    def pct(p: float) -> float:
        return round(ms[min(len(ms) - 1, int(p * len(ms)))], 1)

    return {"n": len(ms), "p50_ms": pct(0.5), "p99_ms": pct(0.99), "max_ms": round(ms[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL (emptied)")
    parser.add_argument("--nats", default=None, help="default: a NATS server of its own")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--per", type=int, default=5)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--singles", type=int, default=200)
    parser.add_argument("--slow-rate", type=float, default=20.0)
    parser.add_argument("--kill", action="store_true")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="crowdcare-order-"))
    url = servers.database(str(tmp), args.database_url, "order")
    account_id, token = servers.prepare(url)
    children: list[subprocess.Popen] = []
    nats_url = args.nats
    if nats_url is None:
        port = free_port()
        children.append(subprocess.Popen(
            [shutil.which("nats-server") or "nats-server", "-a", "127.0.0.1", "-p", str(port),
             "-js", "-sd", str(tmp / "nats")], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))
        nats_url = f"nats://127.0.0.1:{port}"
        _wait(lambda: _up(port), "nats-server")
    env = {**os.environ, "CROWDCARE_DATABASE_URL": url, "CROWDCARE_BUS_URL": nats_url,
           "CROWDCARE_BUS_PREFIX": "bench-order"}
    try:
        web = free_port()
        children.append(_child(["serve", "--no-workers", "--no-migrate", "--port", str(web),
                                "--log-level", "warning"], env, tmp / "web.log"))
        logs = [tmp / f"worker-{i}.log" for i in range(args.workers)]
        workers = [_child(["worker"], env, log) for log in logs]
        children += workers
        _wait(lambda: _up(web), "the web process")
        _wait(lambda: all("delivery worker" in log.read_text() for log in logs), "the workers")
        time.sleep(1)
        hook = f"http://127.0.0.1:{web}/webhooks/api/{account_id}"
        headers = {"Authorization": f"Bearer {token}"}
        result: dict = {"workers": args.workers, "rate": args.rate, "per": args.per}

        asyncio.run(_singles(hook, headers, args.singles, args.slow_rate))
        _drained()
        result["wake_delay"] = {"rate": args.slow_rate, **_delays("single-")}

        killed: dict = {}

        async def kill_one() -> None:
            from sqlalchemy import select

            from crowdcare.store import db
            from crowdcare.store import models as m

            victim = workers[0]
            name = f"{socket.gethostname()}:{victim.pid}/"
            while True:
                await asyncio.sleep(0.05)
                victim.send_signal(signal.SIGSTOP)
                with db.session_scope() as s:
                    held = list(s.scalars(select(m.Delivery.id).where(
                        m.Delivery.status == "processing",
                        m.Delivery.claimed_by.startswith(name))))
                if held:
                    break
                victim.send_signal(signal.SIGCONT)
            victim.send_signal(signal.SIGKILL)
            killed.update(at=datetime.now(UTC), ids=held)

        t0 = time.perf_counter()
        asyncio.run(_bursts(hook, headers, args.customers, args.per, args.rate, "burst",
                            kill_one if args.kill else None))
        _drained()
        result["bursts"] = {"seconds": round(time.perf_counter() - t0, 2), **_order("burst")}
        if killed:
            from sqlalchemy import func, select

            from crowdcare.store import db
            from crowdcare.store import models as m

            with db.session_scope() as s:
                last = s.scalar(select(func.max(m.Delivery.processed_at))
                                .where(m.Delivery.id.in_(killed["ids"])))
            result["failover"] = {"claims": len(killed["ids"]),
                                  "taken_over_s": round((last - killed["at"]).total_seconds(), 2)}
        for worker in workers:   # the baseline: one process, its workers inside
            worker.terminate()
            worker.wait(timeout=30)
        one = free_port()
        children.append(_child(["serve", "--no-migrate", "--port", str(one), "--log-level",
                                "info"], {**env, "CROWDCARE_WORKER_PROCESSES": "0"},
                               tmp / "one.log"))
        _wait(lambda: _up(one), "the one process")
        base = f"http://127.0.0.1:{one}/webhooks/api/{account_id}"
        asyncio.run(_singles(base, headers, 1, 1, "warm"))   # its worker has loaded the models
        _drained()
        asyncio.run(_singles(base, headers, args.singles, args.slow_rate, "base"))
        _drained()
        result["wake_delay_in_process_baseline"] = {"rate": args.slow_rate, **_delays("base-")}
        print(json.dumps(result))
    finally:
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()


if __name__ == "__main__":
    main()
