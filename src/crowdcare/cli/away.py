"""away set/show: the away message (outside business hours) and the instant reply."""
from __future__ import annotations

import typer

from crowdcare.actions import away as actions
from crowdcare.actions import workspaces
from crowdcare.automation import away
from crowdcare.cli.common import JsonOpt, out, unit_of_work

away_app = typer.Typer(no_args_is_help=True, help="Away messages and instant replies.")


def register(app: typer.Typer) -> None:
    app.add_typer(away_app, name="away")


def _lines(conf: dict) -> list[str]:
    lines = [f"away message {'on' if conf['enabled'] else 'off'}"
             f"{' (public mentions too)' if conf['public'] else ''}: {conf['text']}"]
    lines += [f"  [{lang}] {text}" for lang, text in sorted(conf["translations"].items())]
    lines.append(f"instant reply {'on' if conf['instant'] else 'off'}: {conf['instant_text']}")
    return lines


@away_app.command("set")
def away_set(
    text: str = typer.Option(None, "--text", help="use {opens} for when we open, e.g. "
                                                  "\"we'll reply from {opens}\""),
    language: str = typer.Option(None, "--language", help="this text is the translation for "
                                                          "customers writing in this language"),
    public: bool = typer.Option(None, "--public/--no-public",
                                help="answer public mentions too (default: private only)"),
    off: bool = typer.Option(False, "--off", help="stop sending the away message"),
    instant: bool = typer.Option(None, "--instant/--no-instant",
                                 help="an instant reply with the expected wait in open hours"),
    instant_text: str = typer.Option(None, "--instant-text", help="use {wait}"),
    workspace: str = typer.Option(None, "--workspace", "-w"),
    as_json: bool = JsonOpt,
) -> None:
    """Set the away message, a translation of it, or the instant reply."""
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        changes = actions.check_settings({
            "text": text, "language": language, "public": public, "instant": instant,
            "instant_text": instant_text, "enabled": False if off else None})
        conf = actions.do_set_settings(session, ws.id, changes)
    out(conf, as_json, _lines(conf))


@away_app.command("show")
def away_show(workspace: str = typer.Option(None, "--workspace", "-w"),
              as_json: bool = JsonOpt) -> None:
    with unit_of_work() as session:
        conf = away.config(session, workspaces.find(session, workspace).id)
    out(conf, as_json, _lines(conf))
