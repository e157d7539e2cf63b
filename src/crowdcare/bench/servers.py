"""Start and stop benchmark servers as separate processes (so the load is measured over HTTP)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx


def database(tmp: str, database_url: str | None, name: str) -> str:
    """The benchmark's database: the PostgreSQL URL given (emptied) or a new SQLite file."""
    if database_url is None:
        return f"sqlite:///{Path(tmp) / name}.db"
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return database_url


def prepare(url: str, agent: tuple[str, str] | None = None,
            workspace: str = "Bench") -> tuple[int, str]:
    """Migrate the database, create a workspace (and an agent to sign in as) and connect an
    API channel; returns (account id, inbound token)."""
    os.environ["CROWDCARE_DATABASE_URL"] = url
    from crowdcare.actions import people, workspaces
    from crowdcare.settings import get_settings
    from crowdcare.store import db
    from crowdcare.store.migrate import upgrade

    get_settings.cache_clear()
    upgrade(url)
    with db.session_scope() as session:
        ws = workspaces.do_create(session, workspace, workspaces.check_create(session, workspace))
        if agent:
            people.do_add_agent(session, ws, agent[0], "agent", "Bench Agent", agent[1])
        _, config = workspaces.check_channel("api", {})
        account = workspaces.do_add_channel(session, ws, "api", config)
        return account.id, account.config["inbound_token"]


def wait_up(url: str, proc: subprocess.Popen, log, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read().decode()[-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not start")


@contextmanager
def process(args: list[str], probe: str | None, env: dict[str, str] | None = None,
            timeout: float = 30):
    """A child process (its log in a temporary file, so a chatty child never blocks on a full
    pipe; kept in `CROWDCARE_BENCH_LOG_DIR` when that is set); with `probe`, wait until that URL
    answers."""
    keep = os.environ.get("CROWDCARE_BENCH_LOG_DIR")
    opened = (tempfile.NamedTemporaryFile(dir=keep, prefix="child-", suffix=".log", delete=False)
              if keep else tempfile.TemporaryFile())
    with opened as log:
        from crowdcare.cli.children import die_with_parent

        # a benchmark killed by a timeout leaves no server behind
        proc = subprocess.Popen([sys.executable, *args], env={**os.environ, **(env or {})},
                                stdout=subprocess.DEVNULL, stderr=log, preexec_fn=die_with_parent)
        try:
            if probe:
                wait_up(probe, proc, log, timeout)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def load(url: str, n: int, concurrency: int, rate: float | None = None,
         headers: dict[str, str] | None = None, offset: int = 0) -> dict:
    args = [sys.executable, "-m", "crowdcare.bench.load", url, "--n", str(n),
            "--concurrency", str(concurrency), "--offset", str(offset)]
    if rate:
        args += ["--rate", str(rate)]
    for k, v in (headers or {}).items():
        args += ["--header", f"{k}:{v}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)
