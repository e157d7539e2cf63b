"""`crowdcare community ...`: the report, invitations, advocates and their trust, the round."""
from __future__ import annotations

import typer

from crowdcare.cli.common import JsonOpt, agent_by_email, fail, out, unit_of_work

app = typer.Typer(no_args_is_help=True)
WorkspaceOpt = typer.Option(None, "--workspace", "-w", help="id or slug (default: the only one)")


@app.command()
def report(since: str = typer.Option(None, "--since", help="from this date or time (UTC); "
                                                           "default: 7 days ago"),
           workspace: str = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Mentions routed to the community, who answered, how fast, approval, retractions, leaks."""
    from crowdcare.actions import workspaces
    from crowdcare.community import report as community_report
    from crowdcare.store.types import utcnow

    try:
        start = community_report.since(since, utcnow())
    except ValueError:
        fail(f"--since {since!r} is not a date (YYYY-MM-DD or an ISO 8601 time)")
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        data = community_report.build(session, ws.id, start, utcnow())
        text = community_report.lines(data, ws.name)
    out(data, as_json, text)


@app.command()
def invite(email: str, name: str = typer.Option(None, "--name"), workspace: str = WorkspaceOpt,
           as_json: bool = JsonOpt) -> None:
    """Invite an advocate: a one-time link to choose a password (emailed when SMTP is set)."""
    from crowdcare.actions import advocates, workspaces
    from crowdcare.community import alerts
    from crowdcare.settings import get_settings

    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        agent, token = advocates.do_invite(session, ws, email, name)
        link = f"{get_settings().public_url.rstrip('/')}/community/join/{token}"
        data = {"agent_id": agent.id, "email": agent.email, "link": link, "emailed": False}
        ws_row, agent_name = ws, agent.name
    if get_settings().smtp_url:
        try:
            alerts.send(alerts.invitation(data["email"], agent_name, ws_row, link))
            data["emailed"] = True
        except (OSError, RuntimeError) as exc:
            typer.echo(f"warning: the invitation email was not sent ({exc})", err=True)
    out(data, as_json, [f"advocate {data['agent_id']} invited: {data['email']}",
                        f"sign-up link: {link}" + (" (emailed)" if data["emailed"] else "")])


@app.command("list")
def list_(workspace: str = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Advocates with their trust level, points and figures."""
    from crowdcare.actions import workspaces
    from crowdcare.community import stats

    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        rows = stats.advocates(session, ws.id)
    def pct(x) -> str:
        return "–" if x is None else f"{x:g} %"

    out({"items": rows}, as_json, [
        f"{r['agent_id']}\t{r['email']}\t{r['trust']}{' (locked)' if r['trust_locked'] else ''}"
        f"\t{r['points']} pts\t{r['answers']} answers, approved {pct(r['approval_pct'])}, "
        f"edited {pct(r['edit_pct'])}, {r['handovers']} hand-overs" for r in rows])


@app.command()
def trust(email: str, level: str = typer.Option(None, "--level", help="new | trusted | lead"),
          lock: bool = typer.Option(None, "--lock/--unlock", help="keep the level as it is"),
          reason: str = typer.Option(..., "--reason", help="shown to the advocate"),
          workspace: str = typer.Option(None, "--workspace", "-w", help="id or slug"),
          as_json: bool = JsonOpt) -> None:
    """Set an advocate's trust level (lead is only granted by staff) or lock it."""
    from crowdcare.actions import advocates

    with unit_of_work() as session:
        agent = agent_by_email(session, email, workspace)
        if agent.role != "advocate":
            fail(f"no advocate with email {email}")
        advocates.check_set_trust(level, reason)
        row = advocates.do_set_trust(session, advocates.profile(session, agent), level, lock,
                                     reason, by=None)
        data = {"agent_id": agent.id, "trust": row.trust, "locked": row.trust_locked,
                "reasons": row.trust_reasons}
    out(data, as_json, [f"{email}: {data['trust']}{' (locked)' if data['locked'] else ''}"])


@app.command()
def tick(as_json: bool = JsonOpt) -> None:
    """Run the periodic round once: outcomes, trust after grace periods, email digests."""
    from crowdcare.community.worker import run_round

    with unit_of_work():
        pass
    data = run_round()
    out(data, as_json, [f"{data['outcomes']} outcomes credited, {data['trust_changes']} trust "
                        f"changes, {data['digests']} digests sent"])
