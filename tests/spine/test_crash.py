"""Kill the serving process with SIGKILL while 1,000 deliveries are being posted; after a
restart every acknowledged delivery has become exactly one message, none twice."""
import asyncio
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import func, select

from crowdcare.channels.testing import free_port
from crowdcare.store import db
from crowdcare.store import models as m
from support.fixtures import make_workspace

N = 1000


def start_server(port: int) -> subprocess.Popen:
    # a short lease: what the killed process had claimed is taken over soon after the restart
    env = {**os.environ, "CROWDCARE_RUN_WORKERS": "true", "CROWDCARE_RETRY_BASE_SECONDS": "0.1",
           "CROWDCARE_LEASE_SECONDS": "3"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crowdcare", "serve", "--port", str(port), "--no-migrate",
         "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server did not start: {proc.stderr.read().decode()[-2000:]}")


async def post_all(url: str, headers: dict, ids: list[int], kill_after: int | None,
                   proc: subprocess.Popen | None) -> set[int]:
    acked: set[int] = set()
    queue = list(ids)

    async def one(http: httpx.AsyncClient) -> None:
        while queue:
            i = queue.pop(0)
            body = {"id": f"crash-{i}", "customer": {"id": f"c{i % 37}"}, "text": f"message {i}"}
            try:
                r = await http.post(url, json=body, headers=headers)
            except httpx.HTTPError:
                continue
            if r.status_code == 200:
                acked.add(i)
                if kill_after is not None and len(acked) == kill_after and proc is not None:
                    proc.send_signal(signal.SIGKILL)   # mid-flight: other requests are in progress

    async with httpx.AsyncClient(timeout=5) as http:
        await asyncio.gather(*(one(http) for _ in range(16)))
    return acked


@pytest.mark.slow
def test_sigkill_loses_and_duplicates_nothing(cli):
    ws = make_workspace(cli)
    port = free_port()
    url = f"http://127.0.0.1:{port}{ws.webhook}"
    proc = start_server(port)
    try:
        acked = asyncio.run(post_all(url, ws.inbound, list(range(N)), N // 3, proc))
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        assert N // 3 <= len(acked) < N, "the kill should interrupt the run"
        proc = start_server(port)
        # the platform retries what it did not see acknowledged, and some of what it did
        retry = [i for i in range(N) if i not in acked] + sorted(acked)[:50]
        acked |= asyncio.run(post_all(url, ws.inbound, retry, None, None))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with db.session_scope() as s:
                pending = s.scalar(select(func.count()).select_from(m.Delivery)
                                   .where(m.Delivery.status != "done"))
            if pending == 0:
                break
            time.sleep(0.25)
        assert pending == 0
        with db.session_scope() as s:
            rows = s.execute(select(m.Message.external_id, func.count())
                             .group_by(m.Message.external_id)).all()
        counts = dict(rows)
        assert all(c == 1 for c in counts.values()), "a message was stored twice"
        assert {f"crash-{i}" for i in acked} <= set(counts), "an acknowledged delivery was lost"
        assert len(counts) == len(acked) == N
    finally:
        proc.kill()
        proc.wait()
