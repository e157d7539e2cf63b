"""Two `crowdcare worker` processes on one database, woken through a real NATS server: every
conversation keeps the order its messages were received in (bursts from the same customers,
taken by either worker), a SIGKILLed worker's claims are finished by the other within one
lease, and a stored delivery wakes an idle worker at once, not at its next poll.

The workers are started once for the module (they take seconds to load the triage models);
the kill comes last."""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from crowdcare.channels.testing import free_port, serve_in_thread
from crowdcare.settings import get_settings
from crowdcare.store import db
from crowdcare.store import models as m
from support.fixtures import make_workspace

NATS_URL = os.environ.get("CROWDCARE_TEST_NATS_URL", "nats://127.0.0.1:4222")
POLL = 30.0   # the fallback poll: far beyond every bound below, so only a wake-up meets them
LEASE = 4.0   # the default
WOKEN = 5.0   # processed this soon, not at the 30 s poll (a margin for loaded CI cores)


def _reachable(url: str) -> bool:
    host, port = url.removeprefix("nats://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def nats_url(tmp_path_factory):
    """A NATS server of the module's own (JetStream in a temporary directory) when the binary
    is installed, else the shared one at CROWDCARE_TEST_NATS_URL, under a prefix of its own."""
    exe = shutil.which("nats-server")
    if exe is None:
        if not _reachable(NATS_URL):
            if os.environ.get("CI"):
                pytest.fail(f"NATS unreachable at {NATS_URL} in CI")
            pytest.skip(f"NATS unreachable at {NATS_URL}")
        yield NATS_URL
        return
    port = free_port()
    proc = subprocess.Popen([exe, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd",
                             str(tmp_path_factory.mktemp("nats"))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"nats://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while not _reachable(url):
        assert time.monotonic() < deadline and proc.poll() is None, "nats-server did not start"
        time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


class Worker:
    def __init__(self, env: dict, log_dir) -> None:
        self.log = log_dir / f"worker-{uuid.uuid4().hex[:6]}.log"
        self.proc = subprocess.Popen([sys.executable, "-m", "crowdcare", "worker"], env=env,
                                     stdout=subprocess.DEVNULL,
                                     stderr=self.log.open("wb"))
        self.name = f"{socket.gethostname()}:{self.proc.pid}"

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"worker exited: {self.log.read_text()[-3000:]}")
        return f"delivery worker {self.name}" in self.log.read_text()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def bus_env(nats_url):
    prefix = f"test-order-{uuid.uuid4().hex[:8]}"
    return {"CROWDCARE_BUS_URL": nats_url, "CROWDCARE_BUS_PREFIX": prefix,
            "CROWDCARE_WORKER_POLL_SECONDS": str(POLL),
            "CROWDCARE_DELIVERY_LEASE_SECONDS": str(LEASE)}


@pytest.fixture(scope="module")
def workers(database_url, bus_env, tmp_path_factory):
    env = {**os.environ, "CROWDCARE_DATABASE_URL": database_url, "CROWDCARE_RETRY_BASE_SECONDS":
           "0.1", **bus_env}
    log_dir = tmp_path_factory.mktemp("workers")
    pair = [Worker(env, log_dir) for _ in range(2)]
    try:
        deadline = time.monotonic() + 90   # two processes loading the models on shared cores
        while not all(w.ready() for w in pair):
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.1)
        yield pair
    finally:
        for w in pair:
            w.stop()


@pytest.fixture
def server(cli, bus_env, monkeypatch):
    """The real app over HTTP, on the same bus, its own workers off: it only stores."""
    for key, value in bus_env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    from crowdcare.app import create_app

    ws = make_workspace(cli)
    with serve_in_thread(create_app()) as base:
        yield base, ws


def done_count() -> tuple[int, int]:
    with db.session_scope() as s:
        return (s.scalar(select(func.count()).select_from(m.Delivery)
                         .where(m.Delivery.status == "done")),
                s.scalar(select(func.count()).select_from(m.Delivery)))


def wait_all_done(limit: float) -> None:
    deadline = time.monotonic() + limit
    while (counts := done_count())[0] < counts[1]:
        assert time.monotonic() < deadline, f"only {counts[0]} of {counts[1]} processed"
        time.sleep(0.05)


async def bursts(base: str, ws, customers: list[str], per: int, tag: str) -> None:
    """Each customer's messages one after another (the next sent once the last is
    acknowledged: that is the order received), all customers at once."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        async def one(customer: str) -> None:
            for seq in range(per):
                r = await http.post(ws.webhook, headers=ws.inbound, json={
                    "id": f"{tag}-{customer}-{seq}", "customer": {"id": customer},
                    "text": f"{customer} says #{seq}: where is my order?"})
                assert r.status_code == 200, r.text

        await asyncio.gather(*(one(c) for c in customers))


def timelines() -> dict[str, tuple[list[int], str | None]]:
    """Each customer's timeline (message numbers by id, as the console shows them) and its
    conversation's preview."""
    with db.session_scope() as s:
        rows = s.execute(select(m.Identity.external_id, m.Message.text, m.Conversation.last_preview)
                         .join(m.Conversation, m.Conversation.id == m.Message.conversation_id)
                         .join(m.Identity, m.Identity.id == m.Conversation.identity_id)
                         .where(m.Message.direction == "inbound").order_by(m.Message.id)).all()
    out: dict[str, tuple[list[int], str | None]] = {}
    for customer, text, preview in rows:
        seqs, _ = out.get(customer, ([], None))
        out[customer] = (seqs + [int(text.split("#")[1].split(":")[0])], preview)
    return out


def assert_in_order(per: int, customers: list[str]) -> None:
    got = timelines()
    assert set(got) == set(customers)
    inverted = {c: seqs for c, (seqs, _) in got.items() if seqs != list(range(per))}
    assert not inverted, f"{len(inverted)} conversations out of order or incomplete: " \
                         f"{dict(list(inverted.items())[:5])}"
    stale = {c: p for c, (_, p) in got.items() if not p.startswith(f"{c} says #{per - 1}:")}
    assert not stale, f"previews not the newest message: {dict(list(stale.items())[:5])}"
    with db.session_scope() as s:
        doubled = s.scalar(select(func.count()).select_from(
            select(m.Message.external_id).group_by(m.Message.external_id)
            .having(func.count() > 1).subquery()))
    assert doubled == 0


def test_a_stored_delivery_wakes_an_idle_worker_in_another_process(workers, server):
    base, ws = server
    time.sleep(0.5)   # both workers have run their first round and sleep for the poll
    t0 = time.monotonic()
    r = httpx.post(base + ws.webhook, headers=ws.inbound,
                   json={"id": "wake-1", "customer": {"id": "w"}, "text": "hello?"})
    assert r.status_code == 200
    wait_all_done(WOKEN)
    assert time.monotonic() - t0 < WOKEN


def test_bursts_from_the_same_customers_keep_their_order_across_two_workers(workers, server):
    base, ws = server
    customers, per = [f"c{i}" for i in range(30)], 5
    asyncio.run(bursts(base, ws, customers, per, "burst"))
    wait_all_done(120)
    assert_in_order(per, customers)
    for w in workers:   # first contacts of one sender never race: no batch fell back
        log = w.log.read_text()
        assert "rolled back" not in log and "Traceback" not in log, log[-3000:]
    with db.session_scope() as s:   # both workers took part
        takers = set(s.scalars(select(m.Delivery.claimed_by)))
    assert {t.split("/")[0] for t in takers} == {w.name for w in workers}


def test_a_killed_workers_claims_are_finished_by_the_other_within_a_lease(workers, server):
    base, ws = server
    victim, survivor = workers
    customers, per = [f"k{i}" for i in range(20)], 8
    posting = asyncio.new_event_loop()
    task = posting.create_task(bursts(base, ws, customers, per, "kill"))

    def held() -> dict[int, datetime]:
        with db.session_scope() as s:
            return dict(s.execute(select(m.Delivery.id, m.Delivery.next_attempt_at).where(
                m.Delivery.status == "processing",
                m.Delivery.claimed_by.startswith(victim.name + "/"))).all())

    deadline = time.monotonic() + 60
    while True:   # post until the victim is caught holding a claim, then kill it there
        assert time.monotonic() < deadline and not task.done(), "the victim never claimed"
        posting.run_until_complete(asyncio.sleep(0.01))
        victim.proc.send_signal(signal.SIGSTOP)
        orphans = held()
        if orphans:
            break
        victim.proc.send_signal(signal.SIGCONT)
    victim.proc.send_signal(signal.SIGKILL)
    killed_at = datetime.now(UTC)
    victim.proc.wait(timeout=10)
    posting.run_until_complete(task)
    posting.close()
    assert orphans
    wait_all_done(120)
    with db.session_scope() as s:
        taken = s.execute(select(m.Delivery.processed_at, m.Delivery.claimed_by)
                          .where(m.Delivery.id.in_(list(orphans)))).all()
    assert all(by.startswith(survivor.name + "/") for _, by in taken)
    late = max((at - killed_at).total_seconds() for at, _ in taken)
    expiry = max((at - killed_at).total_seconds() for at in orphans.values())
    assert late <= LEASE + 1.0, f"taken over {late:.1f} s after the kill (lease ended " \
                                f"{expiry:.1f} s after it): {survivor.log.read_text()[-2000:]}"
    assert_in_order(per, customers)
