"""`crowdcare bot eval | corpus | train | import | export`: measure, rebuild and fill the FAQ
bot's knowledge base."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from crowdcare.cli.common import JsonOpt, fail, out, unit_of_work

app = typer.Typer(no_args_is_help=True)


def _fmt(path: Path, fmt: str | None) -> str:
    fmt = fmt or ("md" if path.suffix.lower() in (".md", ".markdown") else "csv")
    if fmt not in ("csv", "md"):
        fail(f"--format must be csv or md, not {fmt!r}")
    return fmt


@app.command("eval")
def eval_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="JSONL or CSV of text and expected (an entry id, or none)"),
    kb_file: Path = typer.Option(None, "--kb", exists=True, dir_okay=False,
                                 help="a knowledge base file (import CSV or Markdown); "
                                      "default: the workspace's"),
    workspace: str = typer.Option(None, "--workspace", "-w"),
    threshold: float = typer.Option(None, "--threshold", help="default: the shipped one"),
    margin: float = typer.Option(None, "--margin", help="default: the shipped one"),
    as_json: bool = JsonOpt,
) -> None:
    """Top-1 accuracy on what the bot answers, coverage, wrong answers out of scope, speed."""
    from crowdcare.bots import evaluate, kb, transfer

    errors: list[str] = []
    rows = evaluate.read_rows(file, errors.append)
    for message in errors[:10]:
        typer.echo(message, err=True)
    if not rows:
        fail(f"{file}: no rows with text and expected")
    if kb_file is not None:
        try:
            entries = evaluate.entries_of_file(kb_file)
        except transfer.FileError as exc:
            fail(f"{kb_file}: {exc}")
    else:
        from crowdcare.actions import workspaces

        with unit_of_work() as session:
            ws = workspaces.find(session, workspace)
            entries = [kb.plain(r) for r in kb.entries(session, ws.id) if r.enabled]
    if not entries:
        fail("the knowledge base is empty")
    report = evaluate.evaluate(evaluate.index_of(entries), rows, threshold=threshold,
                               margin=margin)
    report["skipped_rows"] = len(errors)
    out(report, as_json, [
        f"{report['entries']} entries, {report['in_scope']} in-scope and "
        f"{report['out_of_scope']} out-of-scope questions "
        f"(threshold {report['threshold']:.2f}, margin {report['margin']:.2f})",
        f"answered accuracy (top-1)  {report['answered_accuracy']:.3f}  "
        f"({report['correct']} of {report['answered']} answered)",
        f"coverage                   {report['coverage']:.3f}",
        f"out-of-scope answered      {report['out_of_scope_wrong_rate']:.3f}  "
        f"({report['out_of_scope_answered']} of {report['out_of_scope']})",
        f"messages per second        {report['messages_per_second']:.0f}",
    ] + ([f"expected ids not in the knowledge base: {', '.join(report['expected_not_in_kb'])}"]
         if report["expected_not_in_kb"] else []))


@app.command("corpus")
def corpus(
    name: str = typer.Argument(..., help="banking77 | banking77-dev | clinc150-dev"),
    kb_out: Path = typer.Option(..., "--kb-out", help="the knowledge base CSV to write"),
    eval_out: Path = typer.Option(..., "--eval-out", help="the eval JSONL to write"),
    source: Path = typer.Option(None, "--source",
                                help="corpora folder (default $CROWDCARE_CORPORA or "
                                     "../shared/corpora)"),
) -> None:
    """Build a knowledge base (one entry per intent, its first five questions) and its
    evaluation set from a public intent corpus."""
    from crowdcare.bots import corpus as corpus_mod

    try:
        entries, rows = corpus_mod.write(name, kb_out, eval_out, source)
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc))
    typer.echo(f"wrote {entries} entries to {kb_out} and {rows} questions to {eval_out}")


@app.command("train")
def train() -> None:
    """Refit the confidence scorer and its threshold from the shipped corpora (minutes)."""
    from crowdcare.bots import train as train_mod

    try:
        train_mod.train(log=typer.echo)
    except RuntimeError as exc:
        fail(str(exc))


@app.command("import")
def import_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    fmt: str = typer.Option(None, "--format", help="csv | md (default: from the suffix)"),
    workspace: str = typer.Option(None, "--workspace", "-w"),
    as_json: bool = JsonOpt,
) -> None:
    """Add or replace (same id) the file's entries in the workspace's knowledge base."""
    from crowdcare.actions import workspaces
    from crowdcare.bots import kb, transfer

    try:
        items = transfer.read(file.read_text(encoding="utf-8"), _fmt(file, fmt))
    except transfer.FileError as exc:
        fail(f"{file}: {exc}")
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        checked, rows = kb.check_import(session, ws.id, items)
        kb.do_save_many(session, ws.id, checked, rows)
        result = {"imported": len(checked), "replaced": sum(r is not None for r in rows)}
    out(result, as_json, [f"imported {result['imported']} entries "
                          f"({result['replaced']} replaced)"])


@app.command("export")
def export(
    file: Path = typer.Argument(..., dir_okay=False),
    fmt: str = typer.Option(None, "--format", help="csv | md (default: from the suffix)"),
    workspace: str = typer.Option(None, "--workspace", "-w"),
) -> None:
    """Write the workspace's knowledge base as CSV or Markdown."""
    from crowdcare.actions import workspaces
    from crowdcare.bots import kb, transfer

    fmt = _fmt(file, fmt)
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        items = [kb.plain(r) for r in kb.entries(session, ws.id)]
    file.write_text(transfer.write(items, fmt), encoding="utf-8")
    typer.echo(json.dumps({"exported": len(items), "file": str(file)}))
