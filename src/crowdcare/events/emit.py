"""emit() adds an event to the outbox of the current unit of work; after commit the session hook
publishes it on the bus, after rollback it is dropped. So a listener never sees a change that did
not happen, and a crash between commit and publish loses nothing: the stream reads the outbox."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from crowdcare.events import bus
from crowdcare.store.models import Event

_PENDING = "crowdcare.pending_events"


def emit(session: Session, workspace_id: int, name: str, payload: dict[str, Any],
         audience: str = "staff") -> Event:
    row = Event(workspace_id=workspace_id, name=name, audience=audience, payload=payload)
    session.add(row)
    session.info.setdefault(_PENDING, []).append(row)
    return row


def event_dict(row: Event) -> dict[str, Any]:
    return {
        "id": row.id, "name": row.name, "workspace_id": row.workspace_id,
        "audience": row.audience, "payload": row.payload,
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }


@sa_event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    rows = session.info.pop(_PENDING, None)
    if rows:
        bus.current().publish_threadsafe([event_dict(r) for r in rows])


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, _previous) -> None:
    session.info.pop(_PENDING, None)
