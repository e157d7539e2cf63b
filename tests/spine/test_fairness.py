"""One workspace's slow or many deliveries never hold another's: the worker takes them
round-robin across workspaces, each workspace's share of a round in its own transaction and
for one turn at most (`worker_turn_seconds`)."""
import time

import httpx
import pytest

from crowdcare.channels.testing import serve_in_thread
from crowdcare.pipeline import worker
from crowdcare.settings import get_settings
from support.fixtures import make_workspace

FLOOD = ["😀" * 4000, "退款" * 2000]   # the slowest texts found (VADER's emoji; a Han lexicon word)


def post(http, ws, message_id: str, text: str = "where is my order?") -> None:
    r = http.post(ws.webhook, headers=ws.inbound, json={
        "id": message_id, "customer": {"id": message_id}, "text": text})
    assert r.status_code == 200, r.text


def conversations(http, ws) -> int:
    r = http.get("/api/v1/conversations", params={"status": "all", "limit": 1},
                 headers=ws.agent)
    assert r.status_code == 200, r.text
    return r.json()["total"]


@pytest.fixture
def two(cli):
    return (make_workspace(cli, "Alpha Shop", prefix="a-"),
            make_workspace(cli, "Beta Shop", prefix="b-"))


def test_a_backlog_in_one_workspace_does_not_hold_the_next_round_of_another(client, two):
    a, b = two
    for i in range(worker.BATCH + 5):
        post(client, a, f"a-{i}")
    post(client, b, "b-0")
    worker.run_round(worker.BATCH)   # on the old claim: A's 20 oldest, B's message waits
    assert conversations(client, b) == 1
    assert conversations(client, a) == worker.BATCH - 1


def test_each_workspace_gets_a_turn_of_its_own(client, two, monkeypatch):
    """A turn of no time starts one delivery per workspace: the round alternates."""
    monkeypatch.setenv("CROWDCARE_WORKER_TURN_SECONDS", "0")
    get_settings.cache_clear()
    a, b = two
    for i in range(3):
        post(client, a, f"a-{i}")
        post(client, b, f"b-{i}")
    assert worker.run_round(worker.BATCH) == 2
    assert (conversations(client, a), conversations(client, b)) == (1, 1)
    assert worker.run_pending() == 4   # the rest is claimed again, none counted as an attempt
    r = client.get("/api/v1/deliveries", params={"status": "done"}, headers=a.admin)
    assert {d["attempts"] for d in r.json()["items"]} == {1}


def _latency(http, ws, message_id: str, text: str, limit: float) -> float:
    """Seconds from the acknowledged post to the conversation in the API (None past limit)."""
    before = conversations(http, ws)
    t0 = time.perf_counter()
    post(http, ws, message_id, text)
    while conversations(http, ws) == before:
        if time.perf_counter() - t0 > limit:
            return float("inf")
        time.sleep(0.005)
    return time.perf_counter() - t0


def test_pathological_texts_in_one_workspace_leave_another_its_normal_delay(two, monkeypatch):
    """Load test on loopback: the real server with its in-process worker. B's delay while A
    floods is compared with B alone and with one of A's messages alone, in the same run: at
    most one of A's turns may stand before B's message (before: 4,000 emoji to A delayed B
    from 13 ms to 9.4 s)."""
    monkeypatch.setenv("CROWDCARE_RUN_WORKERS", "true")
    get_settings.cache_clear()
    from crowdcare.app import create_app

    a, b = two
    with serve_in_thread(create_app()) as base, httpx.Client(base_url=base, timeout=30) as http:
        _latency(http, b, "b-warm", "hello, where is my parcel?", 60)   # models loaded
        alone = min(_latency(http, b, f"b-alone-{i}", "where is my order?", 30)
                    for i in range(3))
        one_a = max(_latency(http, a, f"a-one-{i}", text, 120) for i, text in enumerate(FLOOD))
        for i in range(12):
            post(http, a, f"a-flood-{i}", FLOOD[i % 2])
        bound = 3 * (alone + one_a) + 0.15   # one of A's messages and one turn, thrice
        flooded = _latency(http, b, "b-flooded", "where is my order?", bound)
        print(f"B alone {alone * 1000:.0f} ms, one A message {one_a * 1000:.0f} ms, "
              f"B during A's flood {flooded * 1000:.0f} ms (ratio {flooded / alone:.1f})")
        assert flooded <= bound, f"B waited past {bound:.2f} s behind A's flood"
