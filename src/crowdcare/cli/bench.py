"""Benchmarks: each prints its figures beside a baseline measured in the same run."""
import json

import typer

from crowdcare.cli.common import JsonOpt

app = typer.Typer(no_args_is_help=True)


@app.command()
def ingest(
    n: int = typer.Option(20000, "--n", help="deliveries to post"),
    concurrency: int = typer.Option(32, "--concurrency"),
    database_url: str = typer.Option(None, "--database-url",
                                     help="a PostgreSQL URL (emptied!); default: temp SQLite"),
    workers: bool = typer.Option(False, "--workers/--no-workers",
                                 help="also process deliveries in the serving process"),
    as_json: bool = JsonOpt,
) -> None:
    """Webhook throughput and acknowledgement latency vs a bare Starlette insert."""
    from crowdcare.bench.ingest import report, run

    result = run(n, concurrency, database_url, workers)
    typer.echo(json.dumps(result) if as_json else "\n".join(report(result)))


@app.command()
def triage(n: int = typer.Option(20000, "--n"), as_json: bool = JsonOpt) -> None:
    """Full-triage throughput on one core vs VADER + language detection alone."""
    from crowdcare.bench.triage import run

    run(n=n, json_out=as_json)
