"""deliveries: list stored webhook deliveries (failed by default) and retry them."""
from __future__ import annotations

import typer
from sqlalchemy import select

from crowdcare.api.deliveries import delivery_out
from crowdcare.cli.common import JsonOpt, fail, out, unit_of_work
from crowdcare.pipeline import worker
from crowdcare.store import models as m

deliveries_app = typer.Typer(no_args_is_help=True, help="Stored webhook deliveries.")


def register(app: typer.Typer) -> None:
    app.add_typer(deliveries_app, name="deliveries")


@deliveries_app.command("list")
def deliveries_list(
    status: str = typer.Option("failed", "--status", help="pending|processing|done|failed|all"),
    limit: int = typer.Option(50, "--limit"),
    as_json: bool = JsonOpt,
) -> None:
    if status not in ("pending", "processing", "done", "failed", "all"):
        fail("--status must be pending, processing, done, failed or all")
    with unit_of_work() as session:
        query = select(m.Delivery)
        if status != "all":
            query = query.where(m.Delivery.status == status)
        rows = [delivery_out(r) for r in
                session.scalars(query.order_by(m.Delivery.id.desc()).limit(limit))]
    out({"items": rows}, as_json,
        [f"{r['id']}\t{r['kind']}\t{r['status']}\tattempts={r['attempts']}\t{r['error'] or ''}"
         for r in rows] or [f"no {status} deliveries"])


@deliveries_app.command("retry")
def deliveries_retry(
    ids: list[int] = typer.Argument(None, help="delivery ids; none with --all-failed"),
    all_failed: bool = typer.Option(False, "--all-failed"),
    now: bool = typer.Option(True, "--now/--queue", help="process here and now, or leave to workers"),
    as_json: bool = JsonOpt,
) -> None:
    if not ids and not all_failed:
        fail("name delivery ids, or pass --all-failed")
    with unit_of_work() as session:   # also a clear error if the database is not there
        known = set(session.scalars(select(m.Delivery.id).where(m.Delivery.id.in_(ids or []))))
    missing = sorted(set(ids or []) - known)
    if missing:
        fail(f"no delivery with id {', '.join(map(str, missing))}")
    queued = worker.retry(list(ids or []), all_failed=all_failed)
    processed = worker.run_pending() if now else 0
    out({"queued": queued, "processed": processed}, as_json,
        [f"{queued} deliveries queued again, {processed} processed"])
