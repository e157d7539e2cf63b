"""A database that is down or locked: 503 with Retry-After within db_timeout_seconds, for
webhooks (the platform retries) and the REST API alike; /healthz says only "unavailable"."""
import socket
import sqlite3
import time

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from crowdcare.settings import get_settings
from crowdcare.store.migrate import upgrade
from support.fixtures import Cli, make_workspace


@pytest.fixture
def settings_env(monkeypatch):
    def configure(url: str) -> None:
        monkeypatch.setenv("CROWDCARE_DATABASE_URL", url)
        monkeypatch.setenv("CROWDCARE_RUN_WORKERS", "false")
        monkeypatch.setenv("CROWDCARE_DB_TIMEOUT_SECONDS", "1")
        get_settings.cache_clear()
    yield configure
    monkeypatch.undo()
    get_settings.cache_clear()


def app_client() -> TestClient:
    from crowdcare.app import create_app

    return TestClient(create_app(), raise_server_exceptions=False)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_unavailable(r, started: float) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "1"
    assert r.json() == {"detail": "the database is unavailable; try again shortly"}
    assert time.monotonic() - started < 4


def test_postgresql_down_is_503_with_retry_after_and_healthz_tells_nothing_more(settings_env,
                                                                                caplog):
    port = closed_port()
    settings_env(f"postgresql://crowdcare:hunter2@127.0.0.1:{port}/crowdcare")
    with app_client() as client:
        for request in (lambda: client.post("/webhooks/api/7", json={"id": "m"}),
                        lambda: client.get("/api/v1/conversations",
                                           headers={"Authorization": "Bearer x" * 5})):
            started = time.monotonic()
            assert_unavailable(request(), started)
        health = client.get("/healthz")
    assert health.status_code == 503 and health.headers["retry-after"] == "1"
    assert health.json() == {"status": "unavailable", "database": "unavailable"}
    assert str(port) in caplog.text   # the operator's log keeps what the answer leaves out


def test_sqlite_held_locked_by_another_connection_is_503_and_reads_still_work(
        settings_env, tmp_path):
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    settings_env(url)
    upgrade(url)
    shop = make_workspace(Cli(CliRunner()))
    with app_client() as client:
        first = client.post(shop.webhook, json={"id": "m0", "customer": {"id": "c"},
                                                "text": "hello"}, headers=shop.inbound)
        client.get("/api/v1/conversations", headers=shop.admin)   # the token's use noted
        holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")   # another process holds the write lock
        try:
            started = time.monotonic()
            assert_unavailable(client.post(shop.webhook, json={
                "id": "m1", "customer": {"id": "c"}, "text": "hi"}, headers=shop.inbound),
                started)
            started = time.monotonic()
            assert_unavailable(client.post(
                f"/api/v1/deliveries/{first.json()['delivery_id']}/retry", headers=shop.admin),
                started)
            assert client.get("/api/v1/conversations", headers=shop.admin).status_code == 200
            assert client.get("/healthz").status_code == 200
        finally:
            holder.execute("ROLLBACK")
        r = client.post(shop.webhook, json={"id": "m1", "customer": {"id": "c"}, "text": "hi"},
                        headers=shop.inbound)
        assert r.status_code == 200


def test_postgresql_table_held_locked_is_503_within_the_lock_timeout(database_url, cli,
                                                                     settings_env):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's lock_timeout (the SQLite lock is tested above)")
    import psycopg

    shop = make_workspace(cli)
    settings_env(f"{database_url}?application_name=locked")   # its own engine, 1 s timeouts
    with app_client() as client, psycopg.connect(database_url) as holder:
        holder.execute("LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        assert_unavailable(client.post(shop.webhook, json={
            "id": "m1", "customer": {"id": "c"}, "text": "hi"}, headers=shop.inbound), started)
        holder.rollback()
        assert client.post(shop.webhook, json={"id": "m1", "customer": {"id": "c"},
                                               "text": "hi"}, headers=shop.inbound).status_code == 200
