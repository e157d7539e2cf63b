"""`crowdcare bench bot` runs end to end (a tiny knowledge base: this checks it works, never
how fast) and refuses bad options with a message."""
import json

from typer.testing import CliRunner

from crowdcare.cli import app


def test_the_bot_bench_runs_beside_its_bm25_baseline():
    result = CliRunner().invoke(app, ["bench", "bot", "--entries", "12", "--queries", "6",
                                      "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["entries"] == 12 and report["variants"] == 60 and report["queries"] == 5
    assert report["bot"]["p99_ms"] > 0 and report["bm25"]["p99_ms"] > 0
    assert report["ratio_p99"] == report["bot"]["p99_ms"] / report["bm25"]["p99_ms"]


def test_bad_bot_bench_options_are_refused():
    result = CliRunner().invoke(app, ["bench", "bot", "--entries", "1"])
    assert result.exit_code == 2 and "--entries" in result.output
