"""channel add KIND [--option value ...]: options are the adapter's config fields."""
from __future__ import annotations

import typer
from sqlalchemy import select

from crowdcare.actions import workspaces
from crowdcare.api.channels import account_out
from crowdcare.channels import registry
from crowdcare.cli.common import JsonOpt, fail, out, unit_of_work
from crowdcare.store import models as m

channel_app = typer.Typer(no_args_is_help=True, help="Channel accounts.")


def register(app: typer.Typer) -> None:
    app.add_typer(channel_app, name="channel")


def _options(args: list[str]) -> dict[str, str]:
    """--page-id 123 --page-token T → {"page_id": "123", "page_token": "T"}"""
    options, i = {}, 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--"):
            fail(f"unexpected argument {arg!r}: options look like --page-id VALUE")
        key, eq, value = arg[2:].partition("=")
        if not eq:
            if i + 1 >= len(args) or args[i + 1].startswith("--"):
                fail(f"option --{key} needs a value")
            value, i = args[i + 1], i + 1
        options[key.replace("-", "_")] = value
        i += 1
    return options


@channel_app.command(
    "add", context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    help="Connect a channel account. Options are the channel's settings, e.g. "
         "`channel add messenger --page-id ID --page-token T --app-secret S --verify-token V`.")
def channel_add(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help="api, messenger, x, listening, ..."),
    name: str = typer.Option(None, "--name"),
    workspace: str = typer.Option(None, "--workspace", "-w"),
    as_json: bool = JsonOpt,
) -> None:
    options = _options(ctx.args)
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        adapter, config = workspaces.check_channel(kind, options)
        name = workspaces.check_channel_name(session, ws.id, name) if name else None
        row = workspaces.do_add_channel(session, ws, kind, config, name)
        data = {**account_out(row),
                "secrets": {k: row.config.get(k) for k in adapter.secret_fields}}
    out(data, as_json, [f"account id: {data['id']}", f"webhook URL: {data['webhook_url']}"]
        + [f"{k}: {v}" for k, v in data["secrets"].items()])


@channel_app.command("list")
def channel_list(workspace: str = typer.Option(None, "--workspace", "-w"),
                 as_json: bool = JsonOpt) -> None:
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        rows = [account_out(r) for r in session.scalars(select(m.ChannelAccount).where(
            m.ChannelAccount.workspace_id == ws.id).order_by(m.ChannelAccount.id))]
    out({"items": rows}, as_json,
        [f"{r['id']}\t{r['kind']}\t{r['name']}\t{r['webhook_url']}" for r in rows])


@channel_app.command("kinds")
def channel_kinds() -> None:
    for kind, adapter in sorted(registry.adapters().items()):
        fields = ", ".join(adapter.config_model.model_fields)
        typer.echo(f"{kind}\t{adapter.title}\toptions: {fields}")
