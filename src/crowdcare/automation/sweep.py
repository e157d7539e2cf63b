"""Due work that time alone brings about (an SLA at risk, a deadline passed...): a list of
functions, each `(session, now) -> count`, run in turn by the serving process's worker loop
every `sweep_seconds`, or at once by `crowdcare sweep` and by tests with the clock set. Each is
idempotent: a missed or repeated round is harmless. Other automations add theirs to DUE_WORK."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from crowdcare.actions import sla, surveys
from crowdcare.settings import get_settings
from crowdcare.store import db
from crowdcare.store.types import utcnow

log = logging.getLogger(__name__)
DueWork = Callable[[Session, datetime], int]
DUE_WORK: list[tuple[str, DueWork]] = [
    ("sla", sla.sweep),
    ("surveys", surveys.due_surveys),   # CSAT/NPS after solved tickets (outbound/surveys.py)
]


def run_due(now: datetime | None = None) -> dict[str, int]:
    """One round: each due-work function in its own unit of work (one failing does not stop
    the others)."""
    done: dict[str, int] = {}
    for name, work in DUE_WORK:
        try:
            with db.session_scope() as session:
                done[name] = work(session, now or utcnow())
        except Exception:  # noqa: BLE001 - the next round retries
            log.exception("due work %s failed", name)
            done[name] = -1
    return done


class SweepWorker:
    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.to_thread(run_due)
            try:
                await asyncio.wait_for(stop.wait(), get_settings().sweep_seconds)
            except TimeoutError:
                pass
