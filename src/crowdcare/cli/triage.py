"""`crowdcare triage eval | train | explain | corpus`: measure, rebuild and explain triage."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import typer

from crowdcare.cli.common import JsonOpt, fail

app = typer.Typer(no_args_is_help=True)


def _table(name: str, rep: dict) -> list[str]:
    lines = [f"== {name} ({rep['n']} rows) accuracy {rep['accuracy']:.3f}  "
             f"macro-F1 {rep['macro_f1']:.3f}"
             + (f"  (VADER alone {rep['vader_baseline_macro_f1']:.3f})"
                if "vader_baseline_macro_f1" in rep else "")]
    if "f1" in rep:
        lines.append(f"   true: precision {rep['precision']:.3f} recall {rep['recall']:.3f} "
                     f"F1 {rep['f1']:.3f}")
    lines.append(f"   {'label':<18}{'precision':>10}{'recall':>8}{'F1':>8}{'support':>9}")
    for label, s in rep["per_label"].items():
        lines.append(f"   {label:<18}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}"
                     f"{s['support']:>9}")
    labels = rep["confusion"]["labels"]
    w = max(6, *(len(x) for x in labels)) + 1
    lines.append("   confusion (rows gold, columns predicted):")
    lines.append("   " + " " * 18 + "".join(f"{x[:w - 1]:>{w}}" for x in labels))
    for label, row in zip(labels, rep["confusion"]["matrix"], strict=True):
        lines.append(f"   {label:<18}" + "".join(f"{v:>{w}}" for v in row))
    return lines


@app.command("eval")
def eval_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="JSONL or CSV: text + service_related/sentiment/intent/"
                                     "route/anger/language"),
    model_path: Path = typer.Option(None, "--model", help="a model file (default: shipped)"),
    by: str = typer.Option(None, "--by", help="'language': every score per gold language"),
    as_json: bool = JsonOpt,
) -> None:
    """Per-label precision/recall/F1, confusion matrices and messages per second."""
    from crowdcare.pipeline.triage.evaluate import LABELS, evaluate

    if by not in (None, "language"):
        fail(f"--by {by!r}: only 'language' is supported")
    report = evaluate(file, on_error=lambda m: typer.echo(m, err=True), model_path=model_path,
                      by_language=by == "language")
    if report["rows"] == 0:
        fail(f"{file}: no usable rows")
    if as_json:
        typer.echo(json.dumps(report))
        return
    for name in LABELS:
        if name in report:
            for line in _table(name, report[name]):
                typer.echo(line)
    for lang, rep in report.get("by_language", {}).items():
        typer.echo(f"== language {lang} ({rep['rows']} rows): " + "; ".join(
            f"{name} " + (f"F1 {rep[name]['f1']:.3f}" if "f1" in rep[name] else
                          f"accuracy {rep[name]['accuracy']:.3f}" if name == "language" else
                          f"macro-F1 {rep[name]['macro_f1']:.3f}")
            for name in LABELS if name in rep))
    typer.echo(f"rows {report['rows']} (skipped {report['bad_rows']}), "
               f"{report['messages_per_second']:.0f} messages/second")


@app.command("corpus")
def corpus(
    name: str = typer.Argument(..., help="tweeteval, umsab, nsmc, kote, emotion, care, airline, "
                                            "chinese, hindi, clinc150, banking77, vader"),
    out: Path = typer.Option(..., "--out", help="the eval JSONL to write"),
    source: Path = typer.Option(None, "--source",
                                help="corpora folder (default $CROWDCARE_CORPORA or "
                                     "../shared/corpora)"),
) -> None:
    """Convert a public corpus's evaluation split into eval JSONL."""
    from crowdcare.pipeline.triage import corpora

    try:
        n = corpora.convert(name, out, source)
    except (ValueError, FileNotFoundError) as e:
        fail(str(e))
    typer.echo(f"wrote {n} rows to {out}")


def _db_corrections(path: Path) -> int:
    """Export the stored agents' corrections (all workspaces) to `path`; 0 if no database."""
    from sqlalchemy import select
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from crowdcare.settings import get_settings
    from crowdcare.store import db
    from crowdcare.store import models as m

    url = get_settings().database_url
    if url.startswith("sqlite") and not Path(url.split("///", 1)[-1]).exists():
        return 0   # no database here: never create one just to find it empty
    try:
        with db.session_scope() as session:
            rows = session.scalars(select(m.TriageCorrection).order_by(
                m.TriageCorrection.id)).all()
            lines = [json.dumps({"text": r.text, "field": r.field, "value": r.new_value},
                                ensure_ascii=False) for r in rows]
    except (OperationalError, ProgrammingError):
        return 0
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)


@app.command("train")
def train(
    out: Path = typer.Option(None, "--out", help="default: the shipped model file"),
    seed: int = typer.Option(0, "--seed"),
    cap: int = typer.Option(None, "--cap", help="at most this many rows per source label"),
    corrections: Path = typer.Option(None, "--corrections",
                                     help="JSONL of {text, field, value} corrections"),
    use_db: bool = typer.Option(True, "--db/--no-db",
                                help="also use the agents' corrections stored in the database"),
    source: Path = typer.Option(None, "--source",
                                help="corpora folder holding social/train (default "
                                     "$CROWDCARE_CORPORA or ../shared/corpora)"),
    extra: list[Path] = typer.Option(None, "--extra", exists=True, dir_okay=False,
                                     help="more labelled files (the eval format) this "
                                          "workspace may train on; repeatable"),
) -> None:
    """Rebuild the model from the trainable sources in data/SOURCES.md (+ corrections,
    + --extra files). Same inputs → same bytes."""
    from crowdcare.pipeline.triage import train as train_mod
    from crowdcare.pipeline.triage.model import DEFAULT_PATH

    out = out or DEFAULT_PATH
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        if corrections:
            files.append(corrections.read_text(encoding="utf-8"))
        if use_db:
            p = Path(tmp) / "db.jsonl"
            n = _db_corrections(p)
            typer.echo(f"{n} stored corrections from the database")
            if n:
                files.append(p.read_text(encoding="utf-8"))
        merged = None
        if files:
            merged = Path(tmp) / "corrections.jsonl"
            merged.write_text("".join(f if f.endswith("\n") or not f else f + "\n"
                                      for f in files), encoding="utf-8")
        try:
            train_mod.train(out, seed=seed, cap=cap, corrections=merged, source=source,
                            extra=list(extra or []), log=typer.echo)
        except (ValueError, FileNotFoundError) as e:
            fail(str(e))


@app.command("explain")
def explain(
    text: str = typer.Argument(...),
    workspace: str = typer.Option(None, "--workspace", "-w",
                                  help="use this workspace's keywords, VIPs and rules"),
    channel: str = typer.Option("api", "--channel"),
    public: bool = typer.Option(False, "--public/--private"),
    followers: int = typer.Option(None, "--followers"),
    verified: bool = typer.Option(False, "--verified"),
    handle: str = typer.Option(None, "--handle"),
    vip: bool = typer.Option(False, "--vip"),
    as_json: bool = JsonOpt,
) -> None:
    """Full triage and route of one text, with every reason."""
    from crowdcare.pipeline.route import FALLBACK, Route, RouteContext, route
    from crowdcare.pipeline.triage import TriageContext, triage

    keywords, rules, vip_handles = {}, [], set()
    available = {str(r) for r in Route} - {str(r) for r in FALLBACK}
    if workspace:
        from crowdcare.actions import workspaces
        from crowdcare.actions.rules import workspace_rules
        from crowdcare.cli.common import unit_of_work
        from crowdcare.pipeline.context import STAFF_ROUTES

        with unit_of_work() as session:
            ws = workspaces.find(session, workspace)
            settings = ws.settings or {}
            keywords = settings.get("keywords", {})
            vip_handles = {h.lower().lstrip("@") for h in settings.get("vip_handles", [])}
            rules = workspace_rules(session, ws.id)
            available = set(STAFF_ROUTES)
    if handle and handle.lower().lstrip("@") in vip_handles:
        vip = True
    result = triage(text, TriageContext(channel=channel, public=public, followers=followers,
                                        verified=verified, vip=vip, handle=handle,
                                        keywords=keywords))
    decision = route(result, RouteContext(channel=channel, public=public, vip=vip, text=text,
                                          rules=rules, available=available))
    data = {"text": text, "triage": result.to_dict(), "route": decision.to_dict()}
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, default=str))
        return
    for name, sig in result.to_dict().items():
        typer.echo(f"{name:<16}{str(sig['value']):<14} conf {sig['confidence']:.2f}  "
                   + "; ".join(sig["reasons"]))
    extra = ""
    if decision.fallback_from:
        extra = f" (fallback from {decision.fallback_from})"
    if decision.team:
        extra += f" team {decision.team}"
    if decision.priority is not None:
        extra += f" priority {decision.priority}"
    typer.echo(f"{'route':<16}{decision.route}{extra}  " + "; ".join(decision.reasons))
