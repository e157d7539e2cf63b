"""Due work that time alone brings about (an SLA at risk, a deadline passed, a webhook's retry
falling due...): a list of functions, each `(session, now) -> count`, run by the serving
process's worker loop each at its own pace (a setting's seconds), or all at once by
`crowdcare sweep` and by tests with the clock set. Each is idempotent: a missed or repeated
round is harmless. Other automations add theirs to DUE_WORK."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from crowdcare.actions import sla, surveys
from crowdcare.automation import webhooks
from crowdcare.settings import get_settings
from crowdcare.store import db
from crowdcare.store.types import utcnow

log = logging.getLogger(__name__)
DueWork = Callable[[Session, datetime], int]
# (name, work, the setting that says how many seconds apart its rounds are)
DUE_WORK: list[tuple[str, DueWork, str]] = [
    ("sla", sla.sweep, "sweep_seconds"),
    ("surveys", surveys.due_surveys, "sweep_seconds"),   # CSAT/NPS (outbound/surveys.py)
    # rules' webhook calls and their retries (automation/webhooks.py): soon after the rule
    ("webhooks", webhooks.sweep, "worker_poll_seconds"),
]


def run_due(now: datetime | None = None, only: Iterable[str] | None = None) -> dict[str, int]:
    """One round: each due-work function (or those named in `only`) in its own unit of work
    (one failing does not stop the others)."""
    names = set(only) if only is not None else None
    done: dict[str, int] = {}
    for name, work, _every in DUE_WORK:
        if names is not None and name not in names:
            continue
        try:
            with db.session_scope() as session:
                done[name] = work(session, now or utcnow())
        except Exception:  # noqa: BLE001 - the next round retries
            log.exception("due work %s failed", name)
            done[name] = -1
    return done


class SweepWorker:
    """Runs each due work when its pace says so; wakes for the soonest one."""

    async def run(self, stop: asyncio.Event) -> None:
        last: dict[str, float] = {}
        while not stop.is_set():
            settings, mono = get_settings(), time.monotonic()
            pace = {name: float(getattr(settings, every)) for name, _w, every in DUE_WORK}
            due = [name for name in pace if mono - last.get(name, -1e18) >= pace[name]]
            if due:
                await asyncio.to_thread(run_due, None, due)
                for name in due:
                    last[name] = mono
            wait = min(last[name] + pace[name] for name in pace) - time.monotonic()
            try:
                await asyncio.wait_for(stop.wait(), max(0.05, wait))
            except TimeoutError:
                pass
