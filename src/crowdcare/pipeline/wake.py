"""Wake-ups: what stores a delivery wakes the workers that take it, in every process.

This process's worker is told directly; the others hear a note on the bus (core NATS with
CROWDCARE_BUS_URL: heard live, never stored). A lost note costs one poll interval at most
(`worker_poll_seconds`), the fallback."""
from __future__ import annotations

import asyncio
import logging

from crowdcare.events import bus

log = logging.getLogger(__name__)
DELIVERIES = {"wake": "deliveries"}


def heard(note: dict) -> bool:
    return note.get("wake") == DELIVERIES["wake"]


async def deliveries(app=None) -> None:
    workers = getattr(getattr(app, "state", None), "workers", None)
    if workers is not None:
        workers.deliveries.notify()
    try:
        await bus.current().announce(DELIVERIES)
    except Exception as exc:  # noqa: BLE001 - best effort: the poll is the fallback
        log.debug("wake note not sent: %s", exc)


def deliveries_soon(app=None) -> None:
    """From a worker thread (a sync request handler): the same, on the bus's event loop."""
    loop = getattr(bus.current(), "loop", None)
    if loop is not None and not loop.is_closed():
        asyncio.run_coroutine_threadsafe(deliveries(app), loop)
