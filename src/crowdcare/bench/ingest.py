"""`crowdcare bench ingest`: webhook acknowledgement throughput and latency, as a ratio of a
bare Starlette endpoint doing one insert of the same body into the same kind of database,
both measured in the same run with the same load generator."""
from __future__ import annotations

import tempfile

from crowdcare.bench import servers
from crowdcare.channels.testing import free_port


def run(n: int = 20000, concurrency: int = 32, database_url: str | None = None,
        workers: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix="crowdcare-bench-") as tmp:
        ours_url = servers.database(tmp, database_url, "ours")
        baseline_url = database_url or servers.database(tmp, None, "baseline")
        account_id, token = servers.prepare(ours_url)
        headers = {"Authorization": f"Bearer {token}"}
        warm = max(500, n // 20)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {"CROWDCARE_DATABASE_URL": ours_url,
               "CROWDCARE_RUN_WORKERS": "true" if workers else "false"}
        with servers.process(["-m", "crowdcare", "serve", "--port", str(port), "--no-migrate",
                              "--log-level", "warning",
                              "--in-process-workers" if workers else "--no-workers"],
                             f"{base}/healthz", env):
            url = f"{base}/webhooks/api/{account_id}"
            servers.load(url, warm, concurrency, headers=headers, offset=10_000_000)
            ours = servers.load(url, n, concurrency, headers=headers)
            half = ours["throughput"] / 2
            paced = servers.load(url, min(n, int(half * 10)), concurrency, rate=half,
                                 headers=headers, offset=20_000_000)

        bport = free_port()
        with servers.process(["-m", "crowdcare.bench.baseline", "--port", str(bport),
                              "--database-url", baseline_url], f"http://127.0.0.1:{bport}/", {}):
            burl = f"http://127.0.0.1:{bport}/ingest"
            servers.load(burl, warm, concurrency, offset=10_000_000)
            baseline = servers.load(burl, n, concurrency)

    return {
        "database": "postgresql" if database_url else "sqlite",
        "requests": n, "concurrency": concurrency, "workers_in_process": workers,
        "ours": ours, "baseline": baseline,
        "ratio": round(ours["throughput"] / baseline["throughput"], 3),
        "at_half_max": {"rate": round(half, 1), **{k: paced[k] for k in
                                                   ("count", "errors", "p50_ms", "p99_ms")}},
        "targets": {"ratio_min": 0.5, "p99_ms_max_at_half": 20},
    }


def report(result: dict) -> list[str]:
    o, b, h = result["ours"], result["baseline"], result["at_half_max"]
    return [
        f"bench ingest on {result['database']}: {result['requests']} deliveries, "
        f"concurrency {result['concurrency']}, workers in process: {result['workers_in_process']}",
        f"  crowdcare webhook  {o['throughput']:>9.1f} req/s  p50 {o['p50_ms']} ms  "
        f"p99 {o['p99_ms']} ms  errors {o['errors']}",
        f"  bare baseline      {b['throughput']:>9.1f} req/s  p50 {b['p50_ms']} ms  "
        f"p99 {b['p99_ms']} ms  errors {b['errors']}",
        f"  ratio              {result['ratio']:.3f}   (target >= 0.5)",
        f"  at half our max ({h['rate']} req/s): p50 {h['p50_ms']} ms  p99 {h['p99_ms']} ms  "
        f"(target p99 <= 20 ms)",
    ]
