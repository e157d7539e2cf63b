"""survey set/list/tick: CSAT and NPS without the console."""
from __future__ import annotations

import typer

from crowdcare.actions import surveys as actions
from crowdcare.actions import workspaces
from crowdcare.cli.common import JsonOpt, fail, out, unit_of_work
from crowdcare.outbound import surveys

survey_app = typer.Typer(no_args_is_help=True, help="CSAT and NPS surveys.")


def register(app: typer.Typer) -> None:
    app.add_typer(survey_app, name="survey")


@survey_app.command("set")
def survey_set(
    kind: str = typer.Argument(..., help="csat or nps"),
    delay: int = typer.Option(None, "--delay", help="minutes after a ticket is solved"),
    off: bool = typer.Option(False, "--off", help="stop asking this kind"),
    cooldown: int = typer.Option(None, "--cooldown-days",
                                 help="at most once per customer per this many days "
                                      "(csat 7, nps 90)"),
    sample: int = typer.Option(None, "--sample", help="nps: the percent of customers asked"),
    workspace: str = typer.Option(None, "--workspace", "-w"),
    as_json: bool = JsonOpt,
) -> None:
    """Turn a survey on (or --off) and set its delay, cooldown and sample."""
    if kind not in surveys.KINDS:
        fail(f"kind must be csat or nps, not {kind!r}")
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        changes = actions.check_settings(kind, {"enabled": not off, "delay_minutes": delay,
                                                "cooldown_days": cooldown,
                                                "sample_percent": sample})
        result = actions.do_set_settings(session, ws.id, kind, changes)
    state = "on" if result["enabled"] else "off"
    out({"kind": kind, **result}, as_json, [
        f"{kind.upper()} {state}: {result['delay_minutes']} min after solving, at most once per "
        f"customer per {result['cooldown_days']} days"
        + (f", {result['sample_percent']}% of customers" if kind == "nps" else "")])


@survey_app.command("list")
def survey_list(
    kind: str = typer.Option(None, "--kind", help="csat or nps"),
    status: str = typer.Option(None, "--status", help="asked, skipped or answered"),
    limit: int = typer.Option(50, "--limit"),
    workspace: str = typer.Option(None, "--workspace", "-w"),
    as_json: bool = JsonOpt,
) -> None:
    """The newest surveys and each kind's score."""
    if kind is not None and kind not in surveys.KINDS:
        fail(f"--kind must be csat or nps, not {kind!r}")
    if status is not None and status not in ("asked", "skipped", "answered"):
        fail(f"--status must be asked, skipped or answered, not {status!r}")
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        items = [actions.survey_out(r)
                 for r in surveys.listing(session, ws.id, kind, status, max(1, limit))]
        summary = surveys.summary(session, ws.id)
    lines = [f"{k.upper()}: {s['score'] if s['score'] is not None else '-'} "
             f"({s['answers']} answers, {s['asked']} asked, {s['skipped']} skipped)"
             for k, s in summary.items()]
    for i in items:
        what = (f"score {i['score']}" if i["status"] == "answered" else
                f"skipped: {i['reason']}" if i["status"] == "skipped" else "asked")
        lines.append(f"#{i['id']} {i['kind']} ticket {i['ticket_id']} {what}"
                     + (f" — {i['comment']}" if i["comment"] else "")
                     + (f" (rates {i['responder']})" if i["responder"] else ""))
    out({"items": items, "summary": summary}, as_json, lines)


@survey_app.command("tick")
def survey_tick(as_json: bool = JsonOpt) -> None:
    """Ask (or skip, with the reason) every survey that is due now."""
    with unit_of_work() as session:
        done = actions.due_surveys(session)
    out({"surveys": done}, as_json, [f"{done} survey(s) asked or skipped"])


@survey_app.command("opt-out")
def survey_opt_out(
    customer_id: int,
    undo: bool = typer.Option(False, "--undo", help="surveys again for this customer"),
    workspace: str = typer.Option(None, "--workspace", "-w"),
    as_json: bool = JsonOpt,
) -> None:
    """Record a customer's survey opt-out (later surveys are skipped "opted out")."""
    from crowdcare.actions import serialize

    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        customer = actions.check_opt_out(session, ws.id, customer_id)
        if undo:
            actions.do_opt_in(session, customer)
        else:
            actions.do_opt_out(session, customer, "recorded with the CLI")
        result = serialize.customer(customer)
    out(result, as_json, [f"customer {customer_id}: "
                          + ("opted out of surveys" if result["surveys_opted_out_at"]
                             else "surveys again")])


@survey_app.command("translate")
def survey_translate(
    language: str,
    text: list[str] = typer.Option([], "--text", help="KEY=TEXT (csat, nps, csat_typed, "
                                   "nps_typed, thanks, opted_out); repeatable; KEY= removes"),
    workspace: str = typer.Option(None, "--workspace", "-w"),
    as_json: bool = JsonOpt,
) -> None:
    """The workspace's survey texts in a language (built in: de fr es it pt nl)."""
    pairs = {}
    for item in text:
        key, sep, value = item.partition("=")
        if not sep:
            fail(f"--text {item!r}: write KEY=TEXT")
        pairs[key.strip()] = value
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        lang, texts = actions.check_translation(language, pairs)
        mine = actions.do_set_translation(session, ws.id, lang, texts)
    out({"language": lang, "texts": mine}, as_json,
        [f"[{lang}] {k}: {v}" for k, v in mine.items()] or [f"[{lang}] built-in words"])
