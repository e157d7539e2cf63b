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
    app.add_typer(sla_app, name="sla")
    app.command("sweep")(sweep)


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


@calendar_app.command("delete")
def calendar_delete(name: str, workspace: str = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Delete a calendar (refused while an SLA policy uses it, or for the default while other
    calendars exist); its channel accounts and teams follow the default calendar."""
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        deletion = calendar_actions.check_delete(session, ws.id, name)
        result = {"deleted": deletion.row.name,
                  "message": calendar_actions.describe_deletion(deletion),
                  "channel_account_ids": [a.id for a in deletion.channel_accounts],
                  "team_ids": [t.id for t in deletion.teams]}
        calendar_actions.do_delete(session, ws.id, deletion)
    out(result, as_json, [result["message"]])


sla_app = typer.Typer(no_args_is_help=True, help="SLA policies: targets and their conditions.")
Minutes = "minutes of business time; MIN:calendar for calendar time"


@sla_app.command("add")
def sla_add(
    name: str,
    first_reply: str = typer.Option(None, "--first-reply", help=Minutes),
    next_reply: str = typer.Option(None, "--next-reply", help=Minutes),
    periodic_update: str = typer.Option(None, "--periodic-update", help=Minutes),
    resolution: str = typer.Option(None, "--resolution", help=Minutes),
    calendar: str = typer.Option(None, "--calendar", help="calendar name (default: the "
                                 "ticket's channel account's, team's or the workspace's)"),
    when: list[str] = typer.Option([], "--when", help="FIELD=VALUE[,VALUE]: channel, route, "
                                   "priority (band), team, tags, vip, language; repeatable"),
    band: str = typer.Option("all", "--band", help="these targets for one priority band: "
                             "urgent, high, normal, low (default: all)"),
    at_risk: float = typer.Option(0.75, "--at-risk", help="share of a target that is at risk"),
    community: bool = typer.Option(True, "--community/--no-community",
                                   help="a community advocate's answer counts as a reply"),
    bot: bool = typer.Option(False, "--bot/--no-bot", help="the bot's answer counts as a reply"),
    fallback: bool = typer.Option(False, "--fallback", help="applies when no other matches"),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Add a policy (or one band's targets to it); open tickets are recomputed at once."""
    from crowdcare.actions import sla

    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        data = sla.check_add(session, ws.id, name, first_reply=first_reply,
                             next_reply=next_reply, periodic_update=periodic_update,
                             resolution=resolution, calendar=calendar, when=when, band=band,
                             at_risk=at_risk, counts_community=community, counts_bot=bot,
                             fallback=fallback)
        result = sla.serialize_policy(session, sla.do_add(session, ws.id, data))
    out(result, as_json, [_policy_line(result)])


def _policy_line(p: dict) -> str:
    targets = "; ".join(f"{band}: " + ", ".join(
        f"{k.replace('_', ' ')} {v['minutes']} min{'' if v['business'] else ' (calendar)'}"
        for k, v in t.items()) for band, t in p["targets"].items())
    when = ", ".join(f"{k}={','.join(str(x) for x in v)}" for k, v in p["conditions"].items())
    return (f"{p['position']}. {p['name']}: {targets}; when {when or 'always'}"
            + (" [fallback]" if p["fallback"] else "")
            + (f"; calendar {p['calendar']}" if p["calendar"] else ""))


@sla_app.command("list")
def sla_list(workspace: str = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    from crowdcare.actions import sla

    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        items = [sla.serialize_policy(session, r) for r in sla.listing(session, ws.id)]
    out({"items": items}, as_json, [_policy_line(p) for p in items] or ["no SLA policies"])


@sla_app.command("delete")
def sla_delete(name: str, workspace: str = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Delete a policy; its open tickets are recomputed at once (recorded breaches stay)."""
    from crowdcare.actions import sla

    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        sla.do_delete(session, ws.id, sla.check_delete(session, ws.id, name))
    out({"deleted": name}, as_json, [f"SLA policy {name} deleted"])


def sweep(as_json: bool = JsonOpt) -> None:
    """Run the due work once (SLA at risk and breached...), as the server's worker does."""
    from crowdcare.automation.sweep import run_due

    done = run_due()
    out(done, as_json, [f"{k}: {v}" for k, v in done.items()])
