"""serve, worker, migrate, replay, demo."""
from __future__ import annotations

import asyncio
import logging
import signal
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
    port: int = typer.Option(8000, "--port"),
    workers: bool = typer.Option(True, "--workers/--no-workers",
                                 help="process deliveries in this process"),
    run_migrations: bool = typer.Option(True, "--migrate/--no-migrate"),
    log_level: str = typer.Option("info", "--log-level"),
) -> None:
    """Serve the API, webhooks and console."""
    import os

    import uvicorn

    if run_migrations:
        migrate()
    os.environ["CROWDCARE_RUN_WORKERS"] = "true" if workers else "false"
    get_settings.cache_clear()
    uvicorn.run("crowdcare.app:create_app", factory=True, host=host, port=port,
                log_level=log_level, access_log=False)


def worker(once: bool = typer.Option(False, "--once", help="process what is due, then exit")) -> None:
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
