"""messenger profile set/show/push, handover, and `fake-graph` (a local Graph API)."""
from __future__ import annotations

import asyncio
import json

import typer
from sqlalchemy import select

from crowdcare.actions import campaigns, handover, workspaces
from crowdcare.api.campaigns import push
from crowdcare.cli.common import JsonOpt, fail, out, unit_of_work
from crowdcare.store import models as m

messenger_app = typer.Typer(no_args_is_help=True, help="Facebook Messenger pages.")
profile_app = typer.Typer(no_args_is_help=True, help="The page's Messenger Profile.")
messenger_app.add_typer(profile_app, name="profile")


def register(app: typer.Typer) -> None:
    app.add_typer(messenger_app, name="messenger")
    app.command("fake-graph", help="Run a local fake Graph API (tests, demo, development).")(
        fake_graph)


def _account(session, workspace: str | None, account_id: int | None) -> m.ChannelAccount:
    ws = workspaces.find(session, workspace)
    query = select(m.ChannelAccount).where(m.ChannelAccount.workspace_id == ws.id,
                                           m.ChannelAccount.kind == "messenger")
    if account_id is not None:
        query = query.where(m.ChannelAccount.id == account_id)
    rows = session.scalars(query.order_by(m.ChannelAccount.id)).all()
    if not rows:
        fail("no Messenger page connected: `crowdcare channel add messenger ...` first")
    if len(rows) > 1 and account_id is None:
        fail("several Messenger pages: say which with --account")
    return rows[0]


AccountOpt = typer.Option(None, "--account", help="channel account id")
WorkspaceOpt = typer.Option(None, "--workspace", "-w")


@profile_app.command("set")
def profile_set(
    greeting: str = typer.Option(None, "--greeting", help="shown before the first message"),
    get_started: str = typer.Option(None, "--get-started", help="the Get Started payload"),
    ice_breaker: list[str] = typer.Option([], "--ice-breaker", help="QUESTION=PAYLOAD"),
    menu: list[str] = typer.Option([], "--menu", help="TITLE=PAYLOAD or TITLE=https://..."),
    account: int = AccountOpt, workspace: str = WorkspaceOpt, as_json: bool = JsonOpt,
) -> None:
    def pairs(items: list[str], what: str) -> list[tuple[str, str]]:
        found = []
        for item in items:
            left, eq, right = item.partition("=")
            if not eq or not left or not right:
                fail(f"{what} {item!r}: write it as LEFT=RIGHT")
            found.append((left, right))
        return found

    with unit_of_work() as session:
        row = _account(session, workspace, account)
        profile = dict(row.config.get("profile") or {})
        if greeting is not None:
            profile["greeting"] = greeting
        if get_started is not None:
            profile["get_started_payload"] = get_started
        if ice_breaker:
            profile["ice_breakers"] = [{"question": q, "payload": p}
                                       for q, p in pairs(ice_breaker, "ice breaker")]
        if menu:
            profile["persistent_menu"] = [
                {"title": t, "url": v} if v.startswith(("http://", "https://"))
                else {"title": t, "payload": v} for t, v in pairs(menu, "menu item")]
        saved = campaigns.do_set_profile(session, row, campaigns.check_profile(row, profile))
    out(saved, as_json, [json.dumps(saved, indent=2)])


@profile_app.command("show")
def profile_show(account: int = AccountOpt, workspace: str = WorkspaceOpt) -> None:
    with unit_of_work() as session:
        typer.echo(json.dumps(_account(session, workspace, account).config.get("profile") or {},
                              indent=2))


@profile_app.command("push")
def profile_push(account: int = AccountOpt, workspace: str = WorkspaceOpt,
                 as_json: bool = JsonOpt) -> None:
    """Send the stored profile to the page's Messenger Profile API."""
    with unit_of_work() as session:
        row = _account(session, workspace, account)
        result = asyncio.run(push(row))
    if not result.ok:
        fail(f"profile push refused: {result.error}")
    out({"pushed": True}, as_json, ["profile pushed"])


@messenger_app.command("handover")
def handover_cmd(conversation_id: int,
                 action: str = typer.Argument(..., help="pass | take | request"),
                 target_app_id: str = typer.Option(None, "--target-app-id"),
                 as_json: bool = JsonOpt) -> None:
    """Pass a conversation's thread to another app (default: the Page Inbox) or take it back."""
    with unit_of_work() as session:
        conversation = session.get(m.Conversation, conversation_id)
        if conversation is None:
            fail(f"conversation {conversation_id} not found")
        handover.check_handover(conversation, action)
        result = handover.do_handover(session, conversation, action, target_app_id)
    out(result, as_json, [f"thread owner: {result['thread_owner_app_id'] or '(unchanged)'}"])


def fake_graph(
    port: int = typer.Option(8900, "--port"),
    host: str = typer.Option("127.0.0.1", "--host"),
    webhook_url: str = typer.Option(None, "--webhook-url", help="crowdcare's webhook URL"),
    app_secret: str = typer.Option(None, "--app-secret", help="signs the webhooks it sends"),
    page_id: str = typer.Option(None, "--page-id"),
    page_token: str = typer.Option(None, "--page-token", help="the only token it accepts"),
    echo: bool = typer.Option(False, "--echo", help="echo every send back as a webhook"),
) -> None:
    from crowdcare.channels.messenger.fake_graph import serve

    typer.echo(f"fake Graph API on http://{host}:{port}/v21.0 (control: /_fake/...)")
    serve(port=port, host=host, webhook_url=webhook_url, app_secret=app_secret,
          page_id=page_id, page_token=page_token, echo=echo or None)
