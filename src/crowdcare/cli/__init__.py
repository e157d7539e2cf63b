"""The `crowdcare` command. Each sub-command group lives in its own module here."""
from __future__ import annotations

import typer

from crowdcare.cli import (
    automation,
    away,
    bench,
    bot,
    campaigns,
    channels,
    community,
    deliveries,
    mentions,
    messenger,
    rules,
    server,
    setup,
    surveys,
    triage,
)

app = typer.Typer(no_args_is_help=True, add_completion=False, help="crowdcare: social customer care.")


@app.callback()
def _settings_first() -> None:
    """A refused setting (the published development key...) is one line, not a traceback."""
    from pydantic import ValidationError

    from crowdcare.cli.common import fail
    from crowdcare.settings import get_settings

    try:
        get_settings()
    except ValidationError as exc:
        fail("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors()))


server.register(app)          # serve, worker, migrate, demo, replay
setup.register(app)           # workspace, agent, token
channels.register(app)        # channel add/list
deliveries.register(app)      # deliveries list/retry
campaigns.register(app)       # campaign add/list/qr
messenger.register(app)       # messenger profile/handover, fake-graph
surveys.register(app)         # survey set/list/tick
away.register(app)            # away set/show
automation.register(app)      # calendar set/list, sla add/list
rules.register(app)           # rule add/list/enable/disable/delete/webhooks, agent routing
app.add_typer(bench.app, name="bench", help="Benchmarks, each against a baseline in the same run.")
app.add_typer(triage.app, name="triage", help="Train, evaluate and explain triage.")
app.add_typer(bot.app, name="bot", help="The FAQ bot: evaluate, build corpora, train, import.")
app.add_typer(mentions.app, name="mentions", help="Import mentions from a listening tool's export.")
app.add_typer(community.app, name="community",
              help="Community care: the report, advocates, their trust, the periodic round.")
