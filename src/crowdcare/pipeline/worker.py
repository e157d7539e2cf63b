"""Runs the stages for stored deliveries: at-least-once, each delivery in one transaction.

A delivery is claimed with a lease (so a crashed worker's claim expires and another takes it),
processed normalize → triage → route → act in one transaction with its `done` mark (under
load several deliveries share a transaction; a failure replays them one by one), and its
events are published after commit (notify). A failure is retried with exponential backoff;
after the last attempt the delivery is kept as `failed` with its error, for `crowdcare
deliveries retry`.

Fair between workspaces: a round claims each workspace's oldest due delivery first, then each
one's second, and so on; each workspace's share is its own transaction (a failure rolls back
only its own), the smallest share first; and a share stops taking deliveries once it has run
`worker_turn_seconds` (the rest go back to the queue, claimed again fairly). So a workspace
whose messages are slow, many or failing delays another's by at most one turn.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import time
import traceback
from datetime import timedelta

from sqlalchemy import func, or_, select, update

from crowdcare.domain import Malformed
from crowdcare.domain.enums import DeliveryStatus
from crowdcare.events import emit, names
from crowdcare.metrics import instruments
from crowdcare.pipeline import act, triage
from crowdcare.pipeline.normalize import normalize
from crowdcare.settings import get_settings
from crowdcare.store import accounts, db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

log = logging.getLogger(__name__)
# Deliveries per transaction in the live loop: enough to share a commit under load, few
# enough that the first of them reaches consoles quickly.
BATCH = 20


def claim(limit: int = 50) -> list[int]:
    return sorted(i for ids in claim_shares(limit).values() for i in ids)


def claim_shares(limit: int = 50) -> dict[int, list[int]]:
    """Take up to `limit` due deliveries with a lease, round-robin across workspaces (each
    one's oldest first, then each one's second...). Returns workspace → its delivery ids.

    The pick is read first, then taken in one compare-and-set statement: a delivery another
    worker took meanwhile no longer matches the update's conditions, so only one worker wins
    each. The round-robin order sorts the whole queue (~40 ms at 20,000 due on SQLite), so it
    is read only when a workspace beyond the oldest `limit` deliveries' is waiting."""
    settings = get_settings()
    now = utcnow()
    due = (or_(m.Delivery.status == DeliveryStatus.pending,
               m.Delivery.status == DeliveryStatus.processing), m.Delivery.next_attempt_at <= now)
    with db.session_scope() as session:
        oldest = session.execute(select(m.Delivery.id, m.Delivery.workspace_id).where(*due)
                                 .order_by(m.Delivery.id).limit(limit)).all()
        pick = [i for i, _ in oldest]
        if len(oldest) == limit and session.scalar(select(m.Delivery.id).where(
                *due, m.Delivery.workspace_id.not_in({w for _, w in oldest})).limit(1)):
            turn = func.row_number().over(partition_by=m.Delivery.workspace_id,
                                          order_by=m.Delivery.id)
            queue = select(m.Delivery.id, turn.label("turn")).where(*due).subquery()
            pick = session.scalars(select(queue.c.id).order_by(queue.c.turn, queue.c.id)
                                   .limit(limit)).all()
    if not pick:
        return {}
    with db.session_scope() as session:
        won = session.execute(
            update(m.Delivery)
            .where(m.Delivery.id.in_(pick), *due)
            .values(status=DeliveryStatus.processing,
                    next_attempt_at=now + timedelta(seconds=settings.lease_seconds),
                    attempts=m.Delivery.attempts + 1)
            .returning(m.Delivery.id, m.Delivery.workspace_id)
        ).all()
    shares: dict[int, list[int]] = {}
    for delivery_id, workspace_id in sorted(won):
        shares.setdefault(workspace_id, []).append(delivery_id)
    return shares


def release(delivery_ids: list[int]) -> None:
    """Give claimed, untouched deliveries back to the queue (a share's turn ran out): due now,
    and their claim not counted as an attempt."""
    if not delivery_ids:
        return
    with db.session_scope() as session:
        session.execute(update(m.Delivery).where(
            m.Delivery.id.in_(delivery_ids), m.Delivery.status == DeliveryStatus.processing)
            .values(status=DeliveryStatus.pending, next_attempt_at=utcnow(),
                    attempts=m.Delivery.attempts - 1))


def _apply(session, delivery_ids: list[int], until: float | None = None
           ) -> tuple[list[int], dict[int, list[str]]]:
    """normalize → (read what the batch needs) → triage, route and act, event by event; past
    `until` (time.monotonic) no further delivery is started. Returns the ids applied, and the
    events their parser could not read (Malformed), by delivery."""
    deliveries = session.scalars(select(m.Delivery).where(m.Delivery.id.in_(delivery_ids))
                                 .order_by(m.Delivery.id)).all()
    if len(deliveries) != len(set(delivery_ids)):
        raise LookupError(f"deliveries {sorted(set(delivery_ids) - {d.id for d in deliveries})} "
                          "do not exist")
    batch, rejected = [], {}
    for delivery in deliveries:
        account = db.held(session, m.ChannelAccount, delivery.channel_account_id)
        events = normalize(accounts.ref(account), delivery.body)
        for event in events:
            if isinstance(event, Malformed):
                rejected.setdefault(delivery.id, []).append(f"{event.where}: {event.reason}")
        batch.append((account, delivery.id, events))
    act.prefetch(session, [(account, event) for account, _, events in batch
                           for event in events])
    applied = []
    for account, delivery_id, events in batch:
        if applied and until is not None and time.monotonic() >= until:
            break
        for event in events:
            act.apply(session, account, event, delivery_id)
        applied.append(delivery_id)
    return applied, {i: why for i, why in rejected.items() if i in applied}


def _done(session, delivery_ids: list[int], rejected: dict[int, list[str]]) -> None:
    """Mark the deliveries done in the same transaction as their effects (one statement), and
    keep on each the events of it that were rejected (`crowdcare deliveries list`)."""
    instruments.processed(session, [session.get(m.Delivery, i).received_at for i in delivery_ids])
    session.execute(update(m.Delivery).where(m.Delivery.id.in_(delivery_ids)).values(
        status=DeliveryStatus.done, processed_at=utcnow(), next_attempt_at=None,
        last_error=None))
    for delivery_id, reasons in rejected.items():
        session.execute(update(m.Delivery).where(m.Delivery.id == delivery_id).values(
            last_error=f"rejected {len(reasons)} event(s): {'; '.join(reasons)}"[:4000]))


def process(delivery_id: int) -> None:
    try:
        with db.session_scope() as session:
            _done(session, *_apply(session, [delivery_id]))
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, none is lost
        log.warning("delivery %s failed: %s", delivery_id, exc)
        fail(delivery_id, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")


def process_batch(delivery_ids: list[int], until: float | None = None) -> list[int]:
    """Several deliveries in one transaction (one commit instead of many); if any of them
    fails, the whole batch rolls back and each is processed alone, so a bad delivery only
    ever fails itself. Past `until` no further delivery is started: the ids not taken are
    returned (for `release`)."""
    if len(delivery_ids) > 1:
        try:
            with db.session_scope() as session:
                applied, rejected = _apply(session, delivery_ids, until)
                _done(session, applied, rejected)
            done = set(applied)
            return [i for i in delivery_ids if i not in done]
        except Exception as exc:  # noqa: BLE001 - fall back to one transaction each
            log.info("batch of %d rolled back (%s): one by one", len(delivery_ids), exc)
    for n, delivery_id in enumerate(delivery_ids):
        if n and until is not None and time.monotonic() >= until:
            return delivery_ids[n:]
        process(delivery_id)
    return []


def fail(delivery_id: int, error: str) -> None:
    settings = get_settings()
    with db.session_scope() as session:
        delivery = session.get(m.Delivery, delivery_id)
        delivery.last_error = error[:4000]
        instruments.failed(final=delivery.attempts >= settings.delivery_max_attempts)
        if delivery.attempts >= settings.delivery_max_attempts:
            delivery.status = DeliveryStatus.failed
            delivery.next_attempt_at = None
            emit(session, delivery.workspace_id, names.DELIVERY_FAILED,
                 {"delivery_id": delivery.id, "error": error.splitlines()[0][:300]})
        else:
            delivery.status = DeliveryStatus.pending
            backoff = settings.retry_base_seconds * 2 ** (delivery.attempts - 1)
            delivery.next_attempt_at = utcnow() + timedelta(seconds=backoff)


def retry(delivery_ids: list[int] | None = None, all_failed: bool = False) -> int:
    """Put failed deliveries (or any, for a replay) back in the queue."""
    with db.session_scope() as session:
        query = update(m.Delivery).values(status=DeliveryStatus.pending, attempts=0,
                                          next_attempt_at=utcnow(), last_error=None)
        if delivery_ids:
            query = query.where(m.Delivery.id.in_(delivery_ids))
        elif all_failed:
            query = query.where(m.Delivery.status == DeliveryStatus.failed)
        else:
            return 0
        return session.execute(query).rowcount


def run_round(limit: int = 50) -> int:
    """Claim what is due and process it, one turn per workspace, the smallest share first:
    the number of deliveries processed."""
    shares = claim_shares(limit)
    turn = get_settings().worker_turn_seconds
    taken = 0
    for ids in sorted(shares.values(), key=lambda ids: (len(ids), ids[0])):
        left = process_batch(ids, time.monotonic() + turn)
        release(left)
        taken += len(ids) - len(left)
    return taken


def run_pending(max_rounds: int = 1000) -> int:
    """Process everything due now, inline (tests, `crowdcare worker --once`, replay)."""
    total = 0
    for _ in range(max_rounds):
        taken = run_round()
        if not taken:
            break
        total += taken
    return total


def _warm() -> None:
    """Load the triage models before the first delivery, then move everything alive into the
    collector's permanent generation (once per process): a full collection over the models'
    objects took ~100 ms, a pause every message in flight would wait through."""
    try:
        triage.load()
    except Exception:  # noqa: BLE001 - the deliveries will fail with (and record) the cause
        log.exception("triage models did not load")
        return
    if not gc.get_freeze_count():
        gc.collect()
        gc.freeze()


class DeliveryWorker:
    """The loop: woken at once when the webhook in this process stored something; otherwise
    (a separate `crowdcare worker`) it polls every `worker_poll_seconds`."""

    def __init__(self) -> None:
        self.wake = asyncio.Event()

    def notify(self) -> None:
        self.wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.to_thread(_warm)
        while not stop.is_set():
            self.wake.clear()   # before the round: a delivery stored during it wakes the next
            try:
                taken = await asyncio.to_thread(run_round, BATCH)   # one hop to the thread
            except Exception:  # noqa: BLE001 - the database may be away; keep the loop alive
                log.exception("delivery worker round failed")
                taken = 0
            if not taken:
                try:
                    await asyncio.wait_for(self.wake.wait(),
                                           timeout=get_settings().worker_poll_seconds)
                except TimeoutError:
                    pass
