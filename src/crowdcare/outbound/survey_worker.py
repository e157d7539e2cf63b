"""The surveys' periodic round in the serving process (or `crowdcare survey tick`): asks or
skips every survey that is due. Idempotent, so a missed or repeated round is harmless.
(To be folded into automation's sweep when it lands: it is one call, `due_surveys`.)"""
from __future__ import annotations

import asyncio
import logging

from crowdcare.actions import surveys
from crowdcare.store import db

log = logging.getLogger(__name__)
ROUND_SECONDS = 30.0


def run_round() -> int:
    with db.session_scope() as session:
        return surveys.due_surveys(session)


class SurveyWorker:
    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(run_round)
            except Exception:  # noqa: BLE001 - keep the loop alive; the next round retries
                log.exception("survey round failed")
            try:
                await asyncio.wait_for(stop.wait(), ROUND_SECONDS)
            except TimeoutError:
                pass
