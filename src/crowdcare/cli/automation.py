"""Set-up of business hours and SLA policies without the console (docs/automation.md)."""
from __future__ import annotations

import typer

from crowdcare.actions import calendars as calendar_actions
from crowdcare.actions import workspaces
from crowdcare.cli.common import JsonOpt, out, unit_of_work

calendar_app = typer.Typer(no_args_is_help=True, help="Business-hours calendars.")
WorkspaceOpt = typer.Option(None, "--workspace", "-w", help="id or slug (default: the only one)")


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")


@calendar_app.command("set")
def calendar_set(
    name: str,
    timezone: str = typer.Option(..., "--timezone", help="IANA zone, e.g. Europe/Berlin"),
    hours: list[str] = typer.Option(..., "--hours", help='"mon-fri 09:00-17:00"; repeatable; '
                                    'several periods: "mon 09:00-12:00 13:00-17:00"; '
                                    'overnight: "fri 22:00-02:00"'),
    holidays: str = typer.Option(None, "--holidays", help="COUNTRY[-REGION], e.g. DE-BY"),
    closed: list[str] = typer.Option([], "--closed", help="YYYY-MM-DD; repeatable"),
    ical: typer.FileText = typer.Option(None, "--ical", help="an iCal (.ics) file of closures"),
    default: bool = typer.Option(False, "--default", help="the workspace's default calendar"),
    channel: list[int] = typer.Option([], "--channel", help="assign to channel account id"),
    team: list[int] = typer.Option([], "--team", help="assign to team id"),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Create or replace a calendar (open tickets' SLA clocks are recomputed at once)."""
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        data = calendar_actions.check_set(session, ws.id, name, timezone, hours, holidays,
                                          closed, ical.read() if ical else None, default)
        targets = [calendar_actions.check_assign(session, ws.id, None,
                                                 channel_account_id=c)[1] for c in channel]
        targets += [calendar_actions.check_assign(session, ws.id, None, team_id=t)[1]
                    for t in team]
        row = calendar_actions.do_set(session, ws.id, data)
        for target in targets:
            calendar_actions.do_assign(session, ws.id, row, target)
        result = calendar_actions.serialize(row, session)
    out(result, as_json, [f"calendar {result['name']} ({result['timezone']})"
                          + (" [default]" if result["default"] else ""),
                          *[f"  {h}" for h in result["hours"]],
                          *([f"  holidays: {result['holidays']}"] if result["holidays"] else []),
                          *([f"  closed: {', '.join(result['closed'])}"] if result["closed"]
                            else [])])


@calendar_app.command("list")
def calendar_list(workspace: str = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        items = [calendar_actions.serialize(r, session)
                 for r in calendar_actions.listing(session, ws.id)]
    out({"items": items}, as_json,
        [f"{c['name']}\t{c['timezone']}\t{'; '.join(c['hours'])}"
         + ("\tdefault" if c["default"] else "") for c in items] or ["no calendars"])
