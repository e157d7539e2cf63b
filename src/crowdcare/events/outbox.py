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


class Cursor:
    """Where a live feed stands. Events reach the bus in commit order, which is not always id
    order (two processes, or two transactions, commit in the other order than they took ids),
    so "newer than the last id sent" would drop a late one: a feed sends every event above
    its starting point that it has not sent yet, and reads the outbox from the newest."""

    KEEP = 4096   # ids remembered: far more than can arrive out of order

    def __init__(self, start: int) -> None:
        self.start = self.last = start
        self._sent: dict[int, None] = {}   # insertion-ordered: the oldest is dropped first

    def fresh(self, events: list[dict]) -> list[dict]:
        """The events not sent yet (and marks them sent)."""
        out = []
        for ev in events:
            event_id = ev["id"]
            if event_id > self.start and event_id not in self._sent:
                self._sent[event_id] = None
                out.append(ev)
                self.last = max(self.last, event_id)
        while len(self._sent) > self.KEEP:
            del self._sent[next(iter(self._sent))]
        return out
