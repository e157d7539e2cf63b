"""Business hours as rules see them: open now by the calendar of the channel account (or the
team, or the workspace's default), from automation/calendars.py where that is installed.
Without a calendar a workspace is open around the clock (as in Zendesk: no schedule, 24/7)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from crowdcare.store import db
from crowdcare.store.types import utcnow


def open_now(session: Session, workspace_id: int, channel_account_id: int | None = None,
             team_id: int | None = None) -> bool:
    def load() -> bool:
        try:
            from crowdcare.automation.calendars import calendar_for
        except ImportError:   # calendars not installed: open around the clock
            return True
        calendar = calendar_for(session, workspace_id, channel_account_id=channel_account_id,
                                team_id=team_id)
        return True if calendar is None else bool(calendar.is_open(utcnow()))
    return db.once(session, ("open now", workspace_id, channel_account_id, team_id), load)
