"""`crowdcare mentions import FILE -w WS [--account ID]`: a listening tool's export in."""
from __future__ import annotations

from pathlib import Path

import typer

from crowdcare.cli.common import JsonOpt, fail, out, unit_of_work

app = typer.Typer(no_args_is_help=True)


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="JSON Lines, a JSON list, or CSV: platform, id, "
                                          "author, followers, verified, text, url, time, "
                                          "in_reply_to"),
    workspace: str = typer.Option(None, "--workspace", "-w"),
    account: int = typer.Option(None, "--account", help="a listening channel account id "
                                                        "(default: the workspace's, created "
                                                        "if missing)"),
    process: bool = typer.Option(True, "--process/--no-process",
                                 help="run the pipeline now (else a worker does it later)"),
    as_json: bool = JsonOpt,
) -> None:
    """Import mentions; good rows are kept, each bad row is reported with its reason."""
    from crowdcare.actions import workspaces
    from crowdcare.api.mentions import import_mentions, read_rows

    if not file.exists():
        fail(f"{file}: no such file")
    raw = read_rows(file.read_bytes(), file.name)
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        result = import_mentions(session, ws.id, raw, account)
    if process and result["deliveries"]:
        from crowdcare.pipeline.worker import run_pending

        run_pending()
    lines = [f"{file}: {result['rows']} rows: {result['accepted']} imported, "
             f"{result['already_imported']} already imported, "
             f"{result['duplicates_in_file']} repeated in the file, "
             f"{result['rejected']} rejected"]
    lines += [f"  row {e['row']}: {e['error']}" for e in result["errors"]]
    out(result, as_json, lines)
    if result["rejected"] and not result["accepted"] and not result["already_imported"]:
        raise typer.Exit(1)
