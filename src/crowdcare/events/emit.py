"""emit() adds an event to the outbox of the current unit of work; just before commit the
unit's events are written in one statement (a payload given as a function is made then, after
the flush that gives new rows their ids, so a batch flushes once), after commit they are
published on the bus, after rollback they are dropped. So a listener never sees a change that
did not happen, and a crash between commit and publish loses nothing: the stream reads the
outbox."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import insert
from sqlalchemy.orm import Session

from crowdcare.events import bus
from crowdcare.events.payload import bounded
from crowdcare.store.models import Event
from crowdcare.store.types import utcnow

_PENDING = "crowdcare.pending_events"
_DEFERRED = "crowdcare.deferred_writes"
_DEFERRED_LAST = "crowdcare.deferred_writes_last"


def emit(session: Session, workspace_id: int, name: str,
         payload: dict[str, Any] | Callable[[], dict[str, Any]], audience: str = "staff") -> None:
    session.info.setdefault(_PENDING, []).append(
        {"workspace_id": workspace_id, "name": name, "audience": audience, "payload": payload,
         "created_at": utcnow()})


def at_commit(session: Session, write: Callable[[], None], last: bool = False) -> None:
    """Run `write` just before commit, after the flush that gives new rows their ids (a
    batch still flushes its inserts once); what it emits is published with the rest. `last`
    writes run after all the others (what reads their results: the SLA clocks)."""
    session.info.setdefault(_DEFERRED_LAST if last else _DEFERRED, []).append(write)


def will_run(session: Session, write: Callable[[], None]) -> bool:
    """Whether `write` is still waiting for this unit of work's commit."""
    return any(write is w for key in (_DEFERRED, _DEFERRED_LAST)
               for w in session.info.get(key, ()))


FIELDS = ("id", "name", "workspace_id", "audience", "payload", "created_at")


def event_dict(row: Event | dict) -> dict[str, Any]:
    """An event as the bus and the feeds carry it (from an outbox row or a pending event)."""
    ev = {k: row[k] if isinstance(row, dict) else getattr(row, k) for k in FIELDS}
    ev["created_at"] = ev["created_at"].isoformat() if ev["created_at"] else None
    return ev


@sa_event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    # a write may defer another (automation runs after the writes it reads): rounds until
    # none; `last` writes (the SLA clocks, which read every other's result) after those
    while deferred := (session.info.pop(_DEFERRED, None)
                       or session.info.pop(_DEFERRED_LAST, None)):
        session.flush()
        for write in deferred:
            write()
    # One INSERT for the unit's events (a batch of deliveries writes dozens), not one each.
    rows = [r for r in session.info.get(_PENDING, ()) if "id" not in r]
    if any(callable(r["payload"]) for r in rows):
        session.flush()
        for r in rows:
            if callable(r["payload"]):
                r["payload"] = r["payload"]()
    for r in rows:
        r["payload"] = bounded(r["payload"])
    if rows:
        ids = session.scalars(insert(Event).returning(Event.id, sort_by_parameter_order=True),
                              rows).all()
        for r, event_id in zip(rows, ids, strict=True):
            r["id"] = event_id


@sa_event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    rows = session.info.pop(_PENDING, None)
    if rows:
        bus.current().publish_threadsafe([event_dict(r) for r in rows])


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, _previous) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_DEFERRED, None)
    session.info.pop(_DEFERRED_LAST, None)
