"""Operating crowdcare: `serve` runs its workers as child processes (restarted, stopped with
it), /metrics in the Prometheus format for the operator only, API-channel posts deferred with
503 + Retry-After under a backlog, and webhook URLs from the public URL setting."""
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from crowdcare import clock
from crowdcare.channels.testing import free_port
from crowdcare.settings import get_settings
from crowdcare.store import db
from crowdcare.store import models as m
from support.fixtures import drain, make_workspace


def families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def value(fams: dict, name: str, **labels) -> float:
    return next(s.value for f in fams.values() for s in f.samples
                if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))


def children_of(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except FileNotFoundError:   # a thread that ended while we looked
            continue
    return found


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


def wait_for(check, seconds: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def messages() -> int:
    with db.session_scope() as s:
        return s.scalar(select(func.count()).select_from(m.Message))


@pytest.mark.slow
def test_serve_runs_its_workers_beside_it_restarts_them_and_stops_them(cli):
    ws = make_workspace(cli)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([sys.executable, "-m", "crowdcare", "serve", "--port", str(port),
                                 "--no-migrate", "--log-level", "warning",
                                 "--worker-processes", "1"],   # default: one per core (≤ 4)
                                stdout=subprocess.DEVNULL, stderr=log)
        try:
            wait_for(lambda: proc.poll() is None and children_of(proc.pid) and
                     _up(base), what="the server and its worker")
            [child] = children_of(proc.pid)
            post = {"id": "m-1", "customer": {"id": "c-1", "name": "Maya"}, "text": "hi"}
            r = httpx.post(f"{base}{ws.webhook}", json=post, headers=ws.inbound)
            assert r.status_code == 200
            wait_for(lambda: messages() == 1, what="the worker child to process it")

            # the web process's /metrics sums its children's counters; the gauges are the DB's
            fams = families(httpx.get(f"{base}/metrics").text)
            assert value(fams, "crowdcare_deliveries_processed_total") == 1
            assert value(fams, "crowdcare_delivery_processing_delay_seconds_count") == 1
            assert value(fams, "crowdcare_webhook_ack_seconds_count", channel="api") == 1
            assert value(fams, "crowdcare_deliveries", status="pending") == 0
            assert value(fams, "crowdcare_delivery_leases", state="expired") == 0

            os.kill(child, signal.SIGKILL)   # a dead worker is replaced
            wait_for(lambda: children_of(proc.pid) - {child}, what="a new worker")
            post["id"] = "m-2"
            assert httpx.post(f"{base}{ws.webhook}", json=post, headers=ws.inbound).is_success
            wait_for(lambda: messages() == 2, what="the new worker to process it")
            [replacement] = children_of(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=30)
        log.seek(0)
        err = log.read().decode()
    assert code == 0, err[-2000:]
    wait_for(lambda: gone(replacement), 20, "the worker to stop with the server")
    # a worker says what it is when it starts: twice, the first and its replacement
    assert err.count("crowdcare worker pid ") == 2, err[-2000:]
    assert f"crowdcare worker pid {replacement}: database " in err
    assert "delivery lease 3 s (send lease 60 s), batch 20-100" in err and "bus unix://" in err


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_metrics_want_the_token_when_one_is_set_and_parse_as_prometheus(client, workspace):
    # the test client's address is no IP of the allowed networks: refused without a token
    assert client.get("/metrics").status_code == 403
    os.environ["CROWDCARE_METRICS_TOKEN"] = "scrape-secret-0123456789"
    get_settings.cache_clear()
    try:
        client.post(workspace.webhook, headers=workspace.inbound,
                    json={"id": "x", "customer": {"id": "c"}, "text": "hello"})
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        r = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-0123456789"})
    finally:
        del os.environ["CROWDCARE_METRICS_TOKEN"]
        get_settings.cache_clear()
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    fams = families(r.text)
    assert value(fams, "crowdcare_deliveries", status="pending") == 1
    assert value(fams, "crowdcare_deliveries_due") == 1
    assert {"crowdcare_deliveries_processed", "crowdcare_delivery_failures",
            "crowdcare_send_attempts", "crowdcare_sends", "crowdcare_delivery_leases",
            "crowdcare_webhook_ack_seconds",
            "crowdcare_delivery_processing_delay_seconds"} <= set(fams)


def test_api_channel_posts_wait_with_retry_after_while_the_backlog_is_over_the_limit(
        client, workspace):
    os.environ["CROWDCARE_INGEST_MAX_BACKLOG"] = "2"
    get_settings.cache_clear()

    def post(i: int):
        return client.post(workspace.webhook, headers=workspace.inbound,
                           json={"id": f"b-{i}", "customer": {"id": "c"}, "text": f"m {i}"})

    try:
        clock.travel(timedelta(hours=1))   # the backlog is counted afresh
        assert [post(i).status_code for i in range(3)] == [200] * 3
        clock.travel(timedelta(seconds=2))
        busy = post(3)
        assert busy.status_code == 503 and busy.headers["retry-after"] == "5"
        assert "busy" in busy.json()["detail"]
        drain()   # the workers catch up; the client sends it again and it is taken
        clock.travel(timedelta(seconds=2))
        assert post(3).status_code == 200
        drain()
    finally:
        clock.reset()
        del os.environ["CROWDCARE_INGEST_MAX_BACKLOG"]
        get_settings.cache_clear()
    assert messages() == 4


def test_channel_add_prints_the_webhook_url_of_the_public_url_or_the_port(cli):
    ws = cli.json("workspace", "create", "Ports")
    os.environ["CROWDCARE_PORT"] = "8123"
    get_settings.cache_clear()
    try:
        out = cli("channel", "add", "api", "-w", ws["slug"]).stdout
        assert "webhook URL: http://127.0.0.1:8123/webhooks/api/" in out
        os.environ["CROWDCARE_PUBLIC_URL"] = "https://care.example.com"
        get_settings.cache_clear()
        data = cli.json("channel", "add", "api", "-w", ws["slug"], "--name", "second")
        assert data["webhook_url"].startswith("https://care.example.com/webhooks/api/")
    finally:
        os.environ.pop("CROWDCARE_PORT", None)
        os.environ.pop("CROWDCARE_PUBLIC_URL", None)
        get_settings.cache_clear()


@pytest.mark.slow
def test_a_worker_apart_serves_its_own_metrics_on_loopback(cli):
    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([sys.executable, "-m", "crowdcare", "worker", "--metrics-port",
                                 str(port)], stdout=subprocess.DEVNULL, stderr=log)
        try:
            def scraped():
                try:
                    return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
                except httpx.HTTPError:
                    return None
            wait_for(lambda: proc.poll() is None and scraped(), what="the worker's /metrics")
            fams = families(scraped())
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    assert value(fams, "crowdcare_deliveries_processed_total") == 0
    assert value(fams, "crowdcare_deliveries", status="pending") == 0


def test_serve_runs_a_worker_child_per_core_by_default_at_most_four(monkeypatch):
    from crowdcare.settings import Settings

    for cores, children in ((1, 1), (2, 2), (4, 4), (32, 4), (None, 1)):
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        assert Settings().worker_processes == children, cores
    monkeypatch.setenv("CROWDCARE_WORKER_PROCESSES", "0")   # the operator's choice wins
    assert Settings().worker_processes == 0
