"""Rules (every event; the routing rules are those on message.received), their webhook calls,
and agents' assignment settings."""
from __future__ import annotations

import asyncio
import json

import typer

from crowdcare.cli.common import JsonOpt, agent_by_email, fail, out, unit_of_work
from crowdcare.cli.setup import WorkspaceOpt, agent_app

app = typer.Typer(no_args_is_help=True, help="Automation rules: event, conditions, actions.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="rule")


def _object(raw: str, part: str) -> dict:
    try:
        value = json.loads(raw or "{}")
    except ValueError as exc:
        fail(f"--{part}: not valid JSON ({exc})")
    if not isinstance(value, dict):
        fail(f"--{part}: an object, like {{\"intent\": \"billing\"}}")
    return value


def _line(r: dict) -> str:
    off = "" if r["enabled"] else "  (off)"
    return (f"{r['id']}\t{r['event']}\t{r['name']}{off}\twhen {json.dumps(r['when'])}"
            f"\tthen {json.dumps(r['then'])}")


@app.command("add")
def rule_add(
    name: str,
    event: str = typer.Option("message.received", "--event", help="message.received | "
                              "ticket.created | ticket.updated | ticket.solved | sla.at_risk "
                              "| sla.breached | survey.answered"),
    when: str = typer.Option("{}", "--when", help='conditions as JSON: {"intent": "billing"}'),
    then: str = typer.Option(..., "--then", help='actions as JSON: {"assign": "round_robin"}'),
    position: int = typer.Option(None, "--position"),
    disabled: bool = typer.Option(False, "--disabled"),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    from crowdcare.actions import rules, workspaces

    data = {"name": name, "event": event, "when": _object(when, "when"),
            "then": _object(then, "then")}
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        rules.check_rule(data)
        made = rules.rule_out(rules.do_create_rule(session, ws.id, data, position,
                                                   not disabled))
    out(made, as_json, [f"rule {made['id']} added: {made['name']} ({made['event']})"])


@app.command("list")
def rule_list(event: str = typer.Option(None, "--event"), workspace: str = WorkspaceOpt,
              as_json: bool = JsonOpt) -> None:
    from crowdcare.actions import rules, workspaces

    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        items = [rules.rule_out(r) for r in rules.rows(session, ws.id, event)]
    out({"items": items}, as_json, [_line(r) for r in items] or ["no rules"])


def _switch(rule_id: int, enabled: bool, workspace: str | None, as_json: bool) -> None:
    from crowdcare.actions import rules, workspaces

    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        row = rules.do_enable(session, rules.get_rule(session, ws.id, rule_id), enabled)
        data = rules.rule_out(row)
    out(data, as_json, [f"rule {rule_id} {'enabled' if enabled else 'disabled'}"])


@app.command("enable")
def rule_enable(rule_id: int, workspace: str = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    _switch(rule_id, True, workspace, as_json)


@app.command("disable")
def rule_disable(rule_id: int, workspace: str = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    _switch(rule_id, False, workspace, as_json)


@app.command("delete")
def rule_delete(rule_id: int, workspace: str = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    from crowdcare.actions import rules, workspaces

    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        rules.do_delete_rule(session, rules.get_rule(session, ws.id, rule_id))
    out({"deleted": rule_id}, as_json, [f"rule {rule_id} deleted"])


@app.command("webhooks")
def rule_webhooks(send: bool = typer.Option(False, "--send", help="send the calls due now"),
                  workspace: str = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Rules' webhook calls (the server's worker sends them; --send does it now)."""
    from sqlalchemy import select

    from crowdcare.actions import workspaces
    from crowdcare.automation import webhooks
    from crowdcare.outbound import network
    from crowdcare.store import models as m

    sent = 0
    if send:
        async def go() -> int:
            async with network.client() as http:
                return await webhooks.send_due(http)
        sent = asyncio.run(go())
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        items = [webhooks.call_out(r) for r in session.scalars(
            select(m.WebhookCall).where(m.WebhookCall.workspace_id == ws.id)
            .order_by(m.WebhookCall.id.desc()).limit(50))]
    out({"sent": sent, "items": items}, as_json,
        [f"{c['id']}\t{c['status']}\t{c['event']}\t{c['url']}\t{c['last_error'] or ''}"
         for c in items] or ["no webhook calls"])


@agent_app.command("routing")
def agent_routing(
    email: str,
    capacity: int = typer.Option(None, "--capacity", min=0, help="at most this many open "
                                 "tickets assigned"),
    no_limit: bool = typer.Option(False, "--no-limit", help="no capacity limit"),
    availability: str = typer.Option(None, "--availability", help="online | away | offline"),
    language: list[str] = typer.Option(None, "--language", help="a language spoken "
                                       "(ISO code; repeatable); none given: unchanged"),
    intent: list[str] = typer.Option(None, "--intent", help="an intent taken (repeatable)"),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """An agent's automatic-assignment settings: capacity, availability, skills."""
    from crowdcare.actions import assignment

    with unit_of_work() as session:
        agent = agent_by_email(session, email, workspace)
        cap = None if no_limit else capacity if capacity is not None else "keep"
        changes = assignment.check_routing(cap, availability, language or None, intent or None)
        data = assignment.routing_out(assignment.do_routing(session, agent, changes))
    out(data, as_json, [f"{data['email']}: {data['availability']}, capacity "
                        f"{data['capacity'] if data['capacity'] is not None else 'no limit'}, "
                        f"languages {','.join(data['languages']) or 'any'}, intents "
                        f"{','.join(data['intents']) or 'any'}"])
