"""The benchmarks run end to end (tiny loads: this checks they work, never how fast) and
refuse bad options with a message."""
import json
import subprocess
import sys

from typer.testing import CliRunner

from crowdcare.cli import app


def test_the_console_bench_runs_and_every_console_gets_every_message():
    out = subprocess.run(
        [sys.executable, "-m", "crowdcare", "bench", "console", "--consoles", "2", "--rate", "20",
         "--seconds", "1", "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert (result["acknowledged"], result["errors"]) == (20, 0)
    assert (result["updates"], result["missing"]) == (40, 0)
    assert result["p99_ms"] >= result["p50_ms"] > 0


def test_the_inbox_bench_runs_every_request_against_its_baseline():
    out = subprocess.run(
        [sys.executable, "-m", "crowdcare", "bench", "inbox", "--conversations", "120",
         "--rounds", "1", "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["conversations"] == 120 and result["baseline_conversations"] == 100
    assert {"counts", "all, by priority: list", "search text: page",
            "search order number: list", "search name: list"} <= set(result["pages"])
    assert all(p["ms"] > 0 and p["baseline_ms"] > 0 for p in result["pages"].values())


def test_the_e2e_bench_runs_and_counts_every_message_in_order():
    out = subprocess.run(
        [sys.executable, "-m", "crowdcare", "bench", "e2e", "--rate", "20", "--seconds", "1",
         "--customers", "4", "--shape", "in-process", "--baseline-n", "200", "--json"],
        capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    [step] = result["steps"]
    assert (step["posted"], step["acked"], step["errors"], step["unprocessed"]) == (20, 20, 0, 0)
    assert step["delay_p99_ms"] >= step["delay_p50_ms"] > 0 and step["backlog"]
    assert result["order"] == {"conversations": 4, "inverted_messages": 0,
                               "conversations_with_inversions": 0, "stale_previews": 0,
                               "doubled": 0, "lost": 0, "unprocessed": 0}
    assert result["baseline"]["throughput"] > 0 and result["drained_after_s"] is not None


def test_bad_bench_options_are_refused_with_a_message():
    runner = CliRunner()
    for args, message in [
        (["console", "--endpoint", "sse"], "--endpoint must be one of live, stream"),
        (["console", "--database-url", "sqlite:///x.db"], "must be a PostgreSQL URL"),
        (["ingest", "--database-url", "postgresql://127.0.0.1:9/none"], "cannot connect"),
        (["inbox", "--conversations", "10"], "greater than or equal"),
        (["e2e", "--shape", "cluster"], "--shape must be one of serve, apart, in-process"),
        (["e2e", "--kill"], "--kill needs --drain N and --workers 2"),
        (["e2e", "--bus-url", "redis://x"], "must be a NATS URL"),
    ]:
        result = runner.invoke(app, ["bench", *args])
        assert result.exit_code == 2 and message in result.stderr, result.output
