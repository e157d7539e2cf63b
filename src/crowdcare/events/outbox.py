"""Reading the outbox (the events table): the record every live feed resumes from."""
from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select

from crowdcare.events import event_dict
from crowdcare.store import db
from crowdcare.store import models as m

BATCH = 500


def since(workspace_id: int, last_id: int, audiences: Collection[str],
          limit: int = BATCH) -> list[dict]:
    """The workspace's events after `last_id` for these audiences, oldest first."""
    with db.session_scope() as session:
        rows = session.scalars(
            select(m.Event).where(m.Event.workspace_id == workspace_id, m.Event.id > last_id,
                                  m.Event.audience.in_(audiences))
            .order_by(m.Event.id).limit(limit)).all()
        return [event_dict(r) for r in rows]


def head(workspace_id: int) -> int:
    """The newest event id of the workspace (0 if none): where a new live feed starts."""
    with db.session_scope() as session:
        return session.scalar(select(func.coalesce(func.max(m.Event.id), 0))
                              .where(m.Event.workspace_id == workspace_id))
