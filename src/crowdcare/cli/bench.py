"""Benchmarks: each prints its figures beside a baseline measured in the same run."""
import json

import typer

from crowdcare.cli.common import JsonOpt, fail

app = typer.Typer(no_args_is_help=True)


def _check_database(url: str | None) -> None:
    """A benchmark empties the PostgreSQL database it is given: say plainly when it cannot."""
    if url is None:
        return
    if not url.startswith(("postgresql://", "postgres://")):
        fail(f"--database-url must be a PostgreSQL URL (postgresql://...), not {url!r}")
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        fail(f"cannot connect to --database-url {url}: {str(exc).strip()}")


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

    _check_database(database_url)
    result = run(n, concurrency, database_url, workers)
    typer.echo(json.dumps(result) if as_json else "\n".join(report(result)))


@app.command()
def triage(n: int = typer.Option(20000, "--n"), as_json: bool = JsonOpt) -> None:
    """Full-triage throughput on one core vs VADER + language detection alone."""
    from crowdcare.bench.triage import run

    run(n=n, json_out=as_json)


@app.command()
def console(
    consoles: int = typer.Option(50, "--consoles", help="live websocket consoles"),
    rate: float = typer.Option(200, "--rate", help="webhook messages per second"),
    seconds: float = typer.Option(10, "--seconds", help="how long to post"),
    database_url: str = typer.Option(None, "--database-url",
                                     help="a PostgreSQL URL (emptied!); default: temp SQLite"),
    endpoint: str = typer.Option("live", "--endpoint",
                                 help="live: the console's feed /web/live; stream: /api/v1/stream"),
    worker_processes: int = typer.Option(0, "--worker-processes",
                                         help="0: workers in the serving process; N: N "
                                              "`crowdcare worker` processes, events over NATS"),
    bus_url: str = typer.Option("nats://127.0.0.1:4222", "--bus-url",
                                help="the NATS bus, with --worker-processes"),
    as_json: bool = JsonOpt,
) -> None:
    """Delay from webhook acknowledgement to the update on each live console (p50/p99)."""
    from crowdcare.bench.console import ENDPOINTS, report, run

    if endpoint not in ENDPOINTS:
        fail(f"--endpoint must be one of {', '.join(ENDPOINTS)}, not {endpoint!r}")
    _check_database(database_url)
    result = run(consoles, rate, seconds, database_url, endpoint, worker_processes, bus_url)
    typer.echo(json.dumps(result) if as_json else "\n".join(report(result)))


@app.command()
def inbox(
    conversations: int = typer.Option(10000, "--conversations", min=100,
                                      help="open conversations in the measured workspace"),
    rounds: int = typer.Option(30, "--rounds", min=1, help="requests per page and workspace"),
    database_url: str = typer.Option(None, "--database-url",
                                     help="a PostgreSQL URL (emptied!); default: temp SQLite"),
    as_json: bool = JsonOpt,
) -> None:
    """Inbox request times with 10,000 open conversations vs 100 (ratio)."""
    from crowdcare.bench.inbox import report, run

    _check_database(database_url)
    result = run(conversations, rounds, database_url)
    typer.echo(json.dumps(result) if as_json else "\n".join(report(result)))


@app.command()
def rules(
    messages: int = typer.Option(1000, "--messages", min=50, help="per workspace"),
    count: int = typer.Option(20, "--rules", min=0, max=500, help="routing rules that never match"),
    database_url: str = typer.Option(None, "--database-url",
                                     help="a PostgreSQL URL (emptied!); default: temp SQLite"),
    as_json: bool = JsonOpt,
) -> None:
    """Pipeline time per message with rules and round-robin assignment vs none (ratio)."""
    from crowdcare.bench.rules import report, run

    _check_database(database_url)
    result = run(messages, count, database_url)
    typer.echo(json.dumps(result) if as_json else "\n".join(report(result)))


@app.command()
def bot(
    entries: int = typer.Option(1000, "--entries", min=2, max=5000,
                                help="knowledge-base entries (five questions each)"),
    queries: int = typer.Option(1000, "--queries", min=2, max=3000),
    as_json: bool = JsonOpt,
) -> None:
    """The FAQ bot's answer latency vs a bare BM25 index over the same questions."""
    from crowdcare.bench.bot import report, run

    try:
        result = run(entries, queries)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(json.dumps(result) if as_json else "\n".join(report(result)))


@app.command()
def e2e(
    rate: list[float] = typer.Option([200.0], "--rate", min=1,
                                     help="offered messages per second; repeat to step rates"),
    seconds: float = typer.Option(10, "--seconds", min=0.5, help="how long each rate runs"),
    shape: str = typer.Option("serve", "--shape",
                              help="serve: `crowdcare serve` with worker children (default "
                                   "shape); apart: serve --no-workers + separate workers; "
                                   "in-process: workers inside the web process"),
    workers: int = typer.Option(None, "--workers", min=1, max=16,
                                help="worker processes (default: serve's, one per CPU core "
                                     "up to 4; apart and drains: 1)"),
    database_url: str = typer.Option(None, "--database-url",
                                     help="a PostgreSQL URL (emptied!); default: temp SQLite"),
    bus_url: str = typer.Option(None, "--bus-url", help="a NATS URL for the processes' bus"),
    customers: int = typer.Option(200, "--customers", min=1),
    burst: int = typer.Option(5, "--burst", min=1, help="consecutive messages per customer"),
    drain: int = typer.Option(0, "--drain", min=0,
                              help="instead of rates: a backlog of N drained by 1 worker, then "
                                   "by --workers"),
    kill: bool = typer.Option(False, "--kill", help="with --drain: SIGKILL one worker midway"),
    settle: float = typer.Option(60, "--settle", min=1,
                                 help="seconds to wait for the backlog to drain after posting"),
    baseline_n: int = typer.Option(3000, "--baseline-n", min=100,
                                   help="requests for the bare insert baseline"),
    as_json: bool = JsonOpt,
) -> None:
    """End to end: acked/s, processed/s, backlog, ack->processed delay, sustainable rate,
    order per conversation, against the bare insert baseline."""
    from crowdcare.bench.e2e import SHAPES, report, run

    if shape not in SHAPES:
        fail(f"--shape must be one of {', '.join(SHAPES)}, not {shape!r}")
    if workers is None:
        from crowdcare.settings import get_settings

        workers = max(1, get_settings().worker_processes) if shape == "serve" and not drain \
            else 1
    if kill and (not drain or workers < 2):
        fail("--kill needs --drain N and --workers 2 or more (someone must take over)")
    if bus_url and not bus_url.startswith("nats://"):
        fail(f"--bus-url must be a NATS URL (nats://host:port), not {bus_url!r}")
    _check_database(database_url)
    result = run(rate, seconds, shape, workers, database_url, bus_url, customers, burst, drain,
                 kill, settle, baseline_n)
    typer.echo(json.dumps(result) if as_json else "\n".join(report(result)))
