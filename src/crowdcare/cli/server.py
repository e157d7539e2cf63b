"""serve, worker, migrate, replay, demo."""
from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import datetime

import typer
from sqlalchemy import update

from crowdcare.cli.common import JsonOpt, fail, out, unit_of_work
from crowdcare.settings import get_settings


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)
    app.command()(migrate)
    app.command()(replay)
    app.command()(demo)


def migrate() -> None:
    """Create or upgrade the database schema (SQLite or PostgreSQL)."""
    from crowdcare.store.migrate import upgrade

    url = get_settings().database_url
    try:
        upgrade(url)
    except Exception as exc:  # noqa: BLE001 - say what failed, in one line
        fail(f"migration failed on {url.split('@')[-1]}: {exc}")
    typer.echo(f"database at {url.split('@')[-1]} is up to date")


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(None, "--port", help="default: CROWDCARE_PORT (8000)"),
    workers: bool = typer.Option(True, "--workers/--no-workers",
                                 help="run delivery and send workers (--no-workers: API only, "
                                      "for `crowdcare worker` processes elsewhere)"),
    worker_processes: int = typer.Option(None, "--worker-processes", min=0, max=64,
                                         help="worker processes beside the web process "
                                              "(default: CROWDCARE_WORKER_PROCESSES, one per "
                                              "CPU core up to 4)"),
    in_process: bool = typer.Option(False, "--in-process-workers",
                                    help="run the workers inside the web process instead "
                                         "(tests, the demo: one process)"),
    run_migrations: bool = typer.Option(True, "--migrate/--no-migrate"),
    log_level: str = typer.Option("info", "--log-level"),
) -> None:
    """Serve the API, webhooks and console, with worker processes beside it."""
    import os

    import uvicorn

    from crowdcare.cli.children import Children

    if run_migrations:
        migrate()
    settings = get_settings()
    port = port or settings.port
    os.environ["CROWDCARE_PORT"] = str(port)   # public_url's default follows the real port
    count = 0 if not workers or in_process else (
        settings.worker_processes if worker_processes is None else worker_processes)
    children = Children(count) if count else None
    if children:
        os.environ.update(children.environment())
    os.environ["CROWDCARE_RUN_WORKERS"] = "true" if workers and not count else "false"
    get_settings.cache_clear()
    if children:
        children.start()
        # uvicorn re-raises the SIGTERM it handled once it has shut down: end with an exit
        # (so the children are stopped and waited for) rather than the signal's default death
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        uvicorn.run("crowdcare.app:create_app", factory=True, host=host, port=port,
                    log_level=log_level, access_log=False)
    finally:
        if children:
            children.stop()


def _redacted(url: str | None) -> str:
    if not url:
        return "in-process"
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy does not parse (nats://, unix://)
        return url.split("@")[-1]


def describe() -> str:
    """What a worker is, for its first log line."""
    import os

    from crowdcare.pipeline import worker as pipeline

    s = get_settings()
    return (f"crowdcare worker pid {os.getpid()}: database {_redacted(s.database_url)}, "
            f"bus {_redacted(s.bus_url)}"
            f"{' (prefix ' + s.bus_prefix + ')' if (s.bus_url or '').startswith('nats') else ''}"
            f", delivery lease {s.delivery_lease_seconds:g} s (send lease {s.lease_seconds:g} s), "
            f"batch {pipeline.BATCH}-{pipeline.BATCH_MAX}, poll every {s.worker_poll_seconds:g} s")


def worker(
    once: bool = typer.Option(False, "--once", help="process what is due, then exit"),
    metrics_port: int = typer.Option(None, "--metrics-port", min=1, max=65535,
                                     help="serve this worker's /metrics on this port"),
    metrics_host: str = typer.Option("127.0.0.1", "--metrics-host",
                                     help="with --metrics-port: the address to listen on "
                                          "(no token check there: keep it private)"),
) -> None:
    """Process deliveries and outbound sends in a separate process."""
    from crowdcare.outbound.sender import OutboundWorker
    from crowdcare.pipeline import worker as pipeline

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if once:
        with unit_of_work():
            pass
        typer.echo(f"{pipeline.run_pending()} deliveries processed")
        return

    async def main() -> None:
        from crowdcare.events import bus as event_bus

        logging.getLogger("crowdcare.worker").info(describe())
        if metrics_port:
            from crowdcare.metrics import exposition

            exposition.serve(metrics_port, metrics_host)
        bus = event_bus.install(event_bus.from_url(get_settings().bus_url))
        await bus.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await asyncio.gather(pipeline.DeliveryWorker().run(stop), OutboundWorker().run(stop))
        finally:
            await bus.stop()

    asyncio.run(main())


def replay(
    delivery: list[int] = typer.Option([], "--delivery", help="a delivery id; repeatable"),
    account: int = typer.Option(None, "--account", help="every delivery of this account"),
    since: datetime = typer.Option(None, "--since", help="received at or after (ISO 8601)"),
    as_json: bool = JsonOpt,
) -> None:
    """Process stored deliveries again. Idempotent: nothing already applied happens twice."""
    from crowdcare.pipeline import worker as pipeline
    from crowdcare.store import models as m
    from crowdcare.store.types import utcnow

    if not delivery and account is None and since is None:
        fail("say what to replay: --delivery ID, --account ID and/or --since TIME")
    with unit_of_work() as session:
        query = update(m.Delivery).values(status="pending", attempts=0, next_attempt_at=utcnow(),
                                          last_error=None)
        if delivery:
            query = query.where(m.Delivery.id.in_(delivery))
        if account is not None:
            query = query.where(m.Delivery.channel_account_id == account)
        if since is not None:
            query = query.where(m.Delivery.received_at >= since)
        queued = session.execute(query).rowcount
    processed = pipeline.run_pending()
    out({"replayed": queued, "processed": processed}, as_json,
        [f"{queued} deliveries replayed, {processed} processed"])


def demo(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    rate: float = typer.Option(0.5, "--rate", help="simulated customer messages per second"),
) -> None:
    """Seed a demo workspace and serve it with live simulated traffic."""
    from crowdcare.demo import run

    migrate()
    run(host=host, port=port, rate=rate)
