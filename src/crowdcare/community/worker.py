"""The community's periodic round (in the serving process with the workers, or
`crowdcare community tick`): credit outcomes, re-decide trust where a grace period ended,
send the email digests. Each step is idempotent, so a missed or repeated round is harmless."""
from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

from crowdcare.actions import advocates as advocate_actions
from crowdcare.actions import answers
from crowdcare.community import alerts
from crowdcare.settings import get_settings
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

log = logging.getLogger(__name__)


def run_round() -> dict[str, int]:
    done = {"outcomes": 0, "trust_changes": 0, "digests": 0}
    with db.session_scope() as session:
        workspaces = session.scalars(select(m.Advocate.workspace_id).distinct()).all()
    for workspace_id in workspaces:
        with db.session_scope() as session:
            done["outcomes"] += answers.do_outcomes(session, workspace_id)
            for advocate in session.scalars(select(m.Advocate).where(
                    m.Advocate.workspace_id == workspace_id, m.Advocate.trust != "new")):
                before = advocate.trust
                if advocate_actions.do_reevaluate(session, advocate).level != before:
                    done["trust_changes"] += 1
        if get_settings().smtp_url:
            done["digests"] += _digests(workspace_id)
    return done


def _digests(workspace_id: int) -> int:
    base = get_settings().public_url
    sent = 0
    with db.session_scope() as session:
        ids = session.scalars(select(m.Advocate.agent_id).where(
            m.Advocate.workspace_id == workspace_id, m.Advocate.joined_at.is_not(None))).all()
    for agent_id in ids:
        with db.session_scope() as session:
            advocate = session.get(m.Advocate, agent_id)
            now = utcnow()
            items = alerts.due(session, advocate, now)
            if not items:
                continue
            ws = session.get(m.Workspace, workspace_id)
            try:
                alerts.send(alerts.compose(advocate, ws, items, base, now))
            except (OSError, RuntimeError) as exc:   # the next round tries again
                log.warning("digest for advocate %s not sent: %s", agent_id, exc)
                continue
            advocate_actions.do_record_alerts(session, advocate, [c.post for c in items], now)
            sent += 1
    return sent


class CommunityWorker:
    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(run_round)
            except Exception:  # noqa: BLE001 - keep the loop alive; the next round retries
                log.exception("community round failed")
            try:
                await asyncio.wait_for(stop.wait(), get_settings().community_round_seconds)
            except TimeoutError:
                pass
