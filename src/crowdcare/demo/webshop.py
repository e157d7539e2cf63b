"""The demo web shop's chat widget: the API channel's callback endpoint, served by the demo, so
answers to web-shop customers (the bot's and the agents') are delivered, not failed."""
from __future__ import annotations

import asyncio

import uvicorn

from crowdcare.channels.testing import CallbackReceiver, free_port
from crowdcare.store import accounts, db
from crowdcare.store import models as m


def _point(account_id: int, url: str) -> None:
    with db.session_scope() as session:
        row = session.get(m.ChannelAccount, account_id)
        row.config = {**row.config, "callback_url": url}
        accounts.forget(row.id)


async def start(api_account_id: int) -> tuple[uvicorn.Server, asyncio.Task]:
    receiver = CallbackReceiver()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(receiver.app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    server.install_signal_handlers = lambda: None      # the crowdcare server owns Ctrl-C
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.05)
    await asyncio.to_thread(_point, api_account_id, f"http://127.0.0.1:{port}/callback")
    return server, task
