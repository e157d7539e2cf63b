"""campaign add/list/qr: entry points with a greeting, their m.me links and QR codes."""
from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import select

from crowdcare.actions import NotFound, campaigns, workspaces
from crowdcare.cli.common import JsonOpt, fail, out, unit_of_work
from crowdcare.store import models as m

campaign_app = typer.Typer(no_args_is_help=True, help="Campaigns: ref links, QR codes, greetings.")


def register(app: typer.Typer) -> None:
    app.add_typer(campaign_app, name="campaign")


def _link(session, row: m.Campaign, qr: bool = False) -> str | None:
    try:
        return campaigns.link(row, campaigns.entry_account(session, row.workspace_id), qr=qr)
    except NotFound:
        return None


@campaign_app.command("add")
def campaign_add(
    ref: str = typer.Argument(..., help="the ref in the link: m.me/<page>?ref=REF"),
    greeting: str = typer.Option(..., "--greeting", help="the first reply to whoever arrives"),
    name: str = typer.Option(None, "--name"),
    quick_reply: list[str] = typer.Option([], "--quick-reply",
                                          help="TITLE or TITLE=PAYLOAD; repeat for more"),
    faq_topic: str = typer.Option(None, "--faq-topic"),
    workspace: str = typer.Option(None, "--workspace", "-w"),
    as_json: bool = JsonOpt,
) -> None:
    quick = []
    for item in quick_reply:
        title, _, payload = item.partition("=")
        if not title or len(title) > 20:
            fail(f"quick reply {item!r}: a title of 1-20 characters")
        quick.append({"title": title, "payload": payload or title})
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        data = {"ref": ref, "name": name, "greeting": greeting, "quick_replies": quick,
                "faq_topic": faq_topic}
        campaigns.check_create_campaign(session, ws.id, data)
        row = campaigns.do_create_campaign(session, ws.id, data)
        result = campaigns.campaign_out(row, _link(session, row))
    out(result, as_json, [f"campaign {result['id']}: {result['ref']}",
                          f"link: {result['link'] or '(connect a Messenger page for links)'}"])


@campaign_app.command("list")
def campaign_list(workspace: str = typer.Option(None, "--workspace", "-w"),
                  as_json: bool = JsonOpt) -> None:
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        rows = [campaigns.campaign_out(r, _link(session, r)) for r in session.scalars(
            select(m.Campaign).where(m.Campaign.workspace_id == ws.id).order_by(m.Campaign.id))]
    out({"items": rows}, as_json, [f"{r['id']}\t{r['ref']}\t{r['link'] or '-'}" for r in rows])


@campaign_app.command("qr")
def campaign_qr(ref: str, output: Path = typer.Option(..., "--output", "-o",
                                                      help="file.png or file.svg"),
                workspace: str = typer.Option(None, "--workspace", "-w")) -> None:
    """Write the campaign's QR code (its link, attributed as source QR) for a poster."""
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        row = session.scalar(select(m.Campaign).where(m.Campaign.workspace_id == ws.id,
                                                      m.Campaign.ref == ref))
        if row is None:
            fail(f"no campaign with ref {ref!r}")
        link = campaigns.link(row, campaigns.entry_account(session, ws.id), qr=True)
    data = campaigns.qr_svg(link) if output.suffix == ".svg" else campaigns.qr_png(link)
    output.write_bytes(data)
    typer.echo(f"{output}: {link}")
