"""Runs the stages for stored deliveries: at-least-once, each delivery in one transaction.

A delivery is claimed with a short lease that a heartbeat renews while the worker lives (so a
dead worker's claim expires within seconds and another takes it; the `done` mark holds only
under the claim's own token), a thread's deliveries one claim at a time and in order
(pipeline/order.py; docs/architecture.md, "Order and failover"),
processed normalize → triage → route → act in one transaction with its `done` mark (under
load several deliveries share a transaction; a failure replays them one by one), and its
events are published after commit (notify). A failure is retried with exponential backoff;
after the last attempt the delivery is kept as `failed` with its error, for `crowdcare
deliveries retry`.

Fair between workspaces: a round claims each workspace's oldest due delivery first, then each
one's second, and so on; each workspace's share is its own transaction (a failure rolls back
only its own), the smallest share first; and when several workspaces share a round, a share
stops taking deliveries once it has used `worker_turn_seconds` of the worker thread's CPU (the
rest go back to the queue, claimed again fairly). So a workspace whose messages are slow, many
or failing delays another's by at most one turn. The turn is CPU time, not wall time: on a
machine whose cores are busy elsewhere a wall-clock turn ran out after one delivery, and each
round's claim and release then cost more than the work.
"""
from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import os
import socket
import threading
import time
import traceback
from datetime import timedelta

from sqlalchemy import and_, false, func, or_, select, true, update

from crowdcare.domain import Malformed
from crowdcare.domain.enums import DeliveryStatus
from crowdcare.events import bus, emit, names
from crowdcare.metrics import instruments
from crowdcare.pipeline import act, order, triage, wake
from crowdcare.pipeline.normalize import normalize
from crowdcare.settings import get_settings
from crowdcare.store import accounts, db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

log = logging.getLogger(__name__)
# Deliveries per transaction in the live loop: few enough that the first of them reaches
# consoles quickly; while rounds come back full (a backlog) the claim doubles up to
# BATCH_MAX, since each transaction costs ~70 ms of the worker's CPU whatever its size
# (4.0 against 6.2 ms a delivery at 50 against 20, PostgreSQL).
BATCH = 20
BATCH_MAX = 100
BLOCKED_SECONDS = 0.05


class LeaseLost(Exception):
    """Another worker took these deliveries over (this one's lease ran out): its work is not
    committed; theirs is."""


# delivery id → the claim holding it, in this process: renewed by the heartbeat, checked by
# the `done` commit (a claim taken over by another worker must not be committed twice)
_held: dict[int, str] = {}
_claims = itertools.count(1)
NAME = f"{socket.gethostname()}:{os.getpid()}"


def claim(limit: int = 50) -> list[int]:
    return sorted(i for ids in claim_shares(limit).values() for i in ids)


def _due(now):
    return order.undone(), m.Delivery.next_attempt_at <= now


def _pick(session, due, limit: int) -> list[tuple[int, int, str | None]]:
    """The oldest due deliveries whose thread nobody holds, as (id, account, thread), round-
    robin across workspaces when a workspace beyond the oldest `limit`'s is waiting (that
    order sorts the whole queue, ~40 ms at 20,000 due on SQLite, so it is read only then)."""
    d = m.Delivery
    oldest = session.execute(select(d.id, d.channel_account_id, d.thread_key, d.workspace_id)
                             .where(*due).order_by(d.id).limit(limit)).all()
    if len(oldest) == limit and session.scalar(select(d.id).where(
            *due, d.workspace_id.not_in({row[3] for row in oldest})).limit(1)):
        turn = func.row_number().over(partition_by=d.workspace_id, order_by=d.id)
        queue = select(d.id, d.channel_account_id, d.thread_key, turn.label("turn")) \
            .where(*due).subquery()
        return [tuple(row) for row in session.execute(
            select(queue.c.id, queue.c.channel_account_id, queue.c.thread_key)
            .order_by(queue.c.turn, queue.c.id).limit(limit))]
    return [tuple(row[:3]) for row in oldest]


def claim_shares(limit: int = 50) -> dict[int, list[int]]:
    """Take up to `limit` due deliveries with a lease, round-robin across workspaces (each
    one's oldest first, then each one's second...), keeping each thread's order
    (pipeline/order.py). Returns workspace → its delivery ids, oldest first.

    PostgreSQL: the pick is locked FOR UPDATE SKIP LOCKED (what another worker is claiming
    right now is skipped, never waited for: no deadlock), then taken. SQLite has one writer:
    the take is a compare-and-set. Either way a delivery is kept only with every older picked
    one of its thread (one that another worker took meanwhile holds the rest back)."""
    now = utcnow()
    token = f"{NAME}/{next(_claims)}"
    lease = now + timedelta(seconds=get_settings().delivery_lease_seconds)
    with db.session_scope() as session:
        pick = _pick(session, (*_due(now), order.unblocked(now)), limit)
        if not pick:
            return {}
        locked = session.scalars(select(m.Delivery.id).where(
            m.Delivery.id.in_([i for i, _, _ in pick]), *_due(now))
            .order_by(m.Delivery.id).with_for_update(skip_locked=True)).all()
        take = order.takeable(pick, set(locked))
        if not take:
            return {}
        won = session.execute(
            update(m.Delivery)
            .where(m.Delivery.id.in_(take), *_due(now))
            .values(status=DeliveryStatus.processing, next_attempt_at=lease,
                    attempts=m.Delivery.attempts + 1, claimed_by=token)
            .returning(m.Delivery.id, m.Delivery.workspace_id)
        ).all()
    kept = set(order.takeable(pick, {i for i, _ in won}))
    for delivery_id, _ in won:
        _held[delivery_id] = token
    release([i for i, _ in won if i not in kept])
    shares: dict[int, list[int]] = {}
    for delivery_id, workspace_id in sorted(won):
        if delivery_id in kept:
            shares.setdefault(workspace_id, []).append(delivery_id)
    return shares


def _ours(delivery_ids: list[int]):
    """The deliveries still held by this process's claims (by claim token)."""
    if not delivery_ids:
        return false()
    by_token: dict[str, list[int]] = {}
    for i in delivery_ids:
        by_token.setdefault(_held.get(i), []).append(i)
    return or_(*(and_(m.Delivery.id.in_(ids), m.Delivery.status == DeliveryStatus.processing,
                      m.Delivery.claimed_by == token if token else true())
                 for token, ids in by_token.items()))


def _let_go(delivery_ids) -> None:
    for i in delivery_ids:
        _held.pop(i, None)


def renew() -> int:
    """The heartbeat: push the lease of everything this process holds one lease ahead. Rows
    being committed right now are skipped (locked), not waited for: they are done."""
    held = list(_held)
    if not held:
        return 0
    lease = utcnow() + timedelta(seconds=get_settings().delivery_lease_seconds)
    with db.session_scope() as session:
        mine = select(m.Delivery.id).where(_ours(held)).with_for_update(skip_locked=True)
        return session.execute(update(m.Delivery).where(m.Delivery.id.in_(mine))
                               .values(next_attempt_at=lease)).rowcount


def release(delivery_ids: list[int]) -> None:
    """Give claimed, untouched deliveries back to the queue (a share's turn ran out, or their
    thread's older deliveries went elsewhere): due now, and their claim not counted as an
    attempt."""
    if not delivery_ids:
        return
    with db.session_scope() as session:
        session.execute(update(m.Delivery).where(_ours(delivery_ids))
                        .values(status=DeliveryStatus.pending, next_attempt_at=utcnow(),
                                attempts=m.Delivery.attempts - 1, claimed_by=None))
    _let_go(delivery_ids)


def _apply(session, delivery_ids: list[int], until: float | None = None
           ) -> tuple[list[int], dict[int, list[str]]]:
    """normalize → (read what the batch needs) → triage, route and act, event by event; past
    `until` (time.thread_time) no further delivery is started, the turn counted from the end
    of the batch's reads (a turn that ran out before its first message would apply one per
    round). Returns the ids applied, and the events their parser could not read (Malformed),
    by delivery."""
    started = time.thread_time()
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
    if until is not None:
        until += time.thread_time() - started
    applied = []
    for account, delivery_id, events in batch:
        if applied and until is not None and time.thread_time() >= until:
            break
        for event in events:
            act.apply(session, account, event, delivery_id)
        applied.append(delivery_id)
    return applied, {i: why for i, why in rejected.items() if i in applied}


def _done(session, delivery_ids: list[int], rejected: dict[int, list[str]]) -> None:
    """Mark the deliveries done in the same transaction as their effects (one statement), and
    keep on each the events of it that were rejected (`crowdcare deliveries list`). Only
    while this worker's claim holds them: one taken over meanwhile raises LeaseLost, and the
    transaction rolls back (the worker that took it over commits it)."""
    instruments.processed(session, session.scalars(select(m.Delivery.received_at).where(
        m.Delivery.id.in_(delivery_ids))).all())
    marked = session.execute(update(m.Delivery).where(_ours(delivery_ids)).values(
        status=DeliveryStatus.done, processed_at=utcnow(), next_attempt_at=None,
        last_error=None)).rowcount
    if marked != len(set(delivery_ids)):
        raise LeaseLost(f"{len(set(delivery_ids)) - marked} of {len(delivery_ids)} deliveries "
                        "were taken over by another worker")
    for delivery_id, reasons in rejected.items():
        session.execute(update(m.Delivery).where(m.Delivery.id == delivery_id).values(
            last_error=f"rejected {len(reasons)} event(s): {'; '.join(reasons)}"[:4000]))


def process(delivery_id: int) -> bool:
    """One delivery in its own transaction: whether it was applied (a failure is recorded)."""
    try:
        with db.session_scope() as session:
            _done(session, *_apply(session, [delivery_id]))
        return True
    except LeaseLost as exc:
        log.warning("delivery %s: %s", delivery_id, exc)
        return False
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, none is lost
        log.warning("delivery %s failed: %s", delivery_id, exc)
        fail(delivery_id, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")
        return False
    finally:
        _let_go([delivery_id])


def process_batch(delivery_ids: list[int], until: float | None = None) -> list[int]:
    """Several deliveries in one transaction (one commit instead of many); if any of them
    fails, the whole batch rolls back and each is processed alone, so a bad delivery only
    ever fails itself (and holds back its thread's newer ones: they go back to the queue,
    behind it). Past `until` no further delivery is started: the ids not taken are returned
    (for `release`)."""
    if len(delivery_ids) > 1:
        try:
            with db.session_scope() as session:
                applied, rejected = _apply(session, delivery_ids, until)
                _done(session, applied, rejected)
            _let_go(applied)
            done = set(applied)
            return [i for i in delivery_ids if i not in done]
        except LeaseLost as exc:   # taken over: nothing of it is ours to commit or retry
            log.warning("batch of %d not committed: %s", len(delivery_ids), exc)
            release(delivery_ids)
            return []
        except Exception as exc:  # noqa: BLE001 - fall back to one transaction each
            log.info("batch of %d rolled back (%s): one by one", len(delivery_ids), exc)
    with db.session_scope() as session:
        threads = {i: (a, k) for i, a, k in session.execute(order.select_threads(delivery_ids))}
    stuck: set[tuple[int, str]] = set()
    for n, delivery_id in enumerate(delivery_ids):
        if n and until is not None and time.thread_time() >= until:
            return delivery_ids[n:]
        account_id, key = threads.get(delivery_id, (None, None))
        if key is not None and ((account_id, key) in stuck or (account_id, order.ANY) in stuck
                                or (key == order.ANY and any(a == account_id for a, _ in stuck))):
            release([delivery_id])   # behind an older one of its thread that did not apply
            continue
        if not process(delivery_id) and key is not None:
            stuck.add((account_id, key))
    return []


def fail(delivery_id: int, error: str) -> None:
    settings = get_settings()
    with db.session_scope() as session:
        delivery = session.scalar(select(m.Delivery).where(_ours([delivery_id]))
                                  .with_for_update())
        if delivery is None:   # taken over meanwhile: the other worker's attempt counts
            return
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
    """Claim what is due and process it, one turn per workspace, the smallest share first (a
    round of one workspace's work has nobody to be fair to: no turn): the number of
    deliveries processed."""
    shares = claim_shares(limit)
    turn = get_settings().worker_turn_seconds if len(shares) > 1 else None
    taken = 0
    for ids in sorted(shares.values(), key=lambda ids: (len(ids), ids[0])):
        left = process_batch(ids, None if turn is None else time.thread_time() + turn)
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


def next_due() -> float | None:
    """Seconds until the next delivery falls due (a backoff ends, a lease runs out), if one
    will: an idle worker sleeps until then rather than polling for it. It looks again in
    BLOCKED_SECONDS instead when something is takeable already (it fell due after the round
    looked: a dead worker's lease just ran out) or when due deliveries wait behind another
    worker's claim: they are takeable as soon as it commits, which wakes nobody (two workers
    draining a backlog took turns, one idle until its next poll)."""
    now = utcnow()
    d = m.Delivery
    with db.session_scope() as session:
        takeable = select(d.id).where(*_due(now), order.unblocked(now)).limit(1)
        held = select(d.id).where(d.status == DeliveryStatus.processing,
                                  d.next_attempt_at > now).limit(1)
        waiting = select(d.id).where(d.status == DeliveryStatus.pending,
                                     d.next_attempt_at <= now).limit(1)
        if session.scalar(takeable) is not None or (
                session.scalar(held) is not None and session.scalar(waiting) is not None):
            return BLOCKED_SECONDS
        at = session.scalar(select(func.min(m.Delivery.next_attempt_at)).where(
            m.Delivery.status.in_((DeliveryStatus.pending, DeliveryStatus.processing)),
            m.Delivery.next_attempt_at > now))
    return None if at is None else max(0.0, (at - now).total_seconds())


class Heartbeat(threading.Thread):
    """Renews this process's leases every `delivery_heartbeat_seconds`, in a thread of its own:
    a worker busy in a long batch still holds what it claimed, a dead one lets it go within
    one lease."""

    def __init__(self) -> None:
        super().__init__(name="crowdcare-lease-heartbeat", daemon=True)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(get_settings().delivery_heartbeat_seconds):
            try:
                renew()
            except Exception:  # noqa: BLE001 - the database may be away; try again next beat
                log.exception("lease renewal failed")


class DeliveryWorker:
    """The loop: woken at once by a delivery stored in any process (a note on the bus,
    `pipeline/wake.py`), or when the next one falls due; otherwise it looks every
    `worker_poll_seconds`, in case a note was lost."""

    def __init__(self) -> None:
        self.wake = asyncio.Event()

    def notify(self) -> None:
        self.wake.set()

    async def _listen(self) -> None:
        async for note in bus.current().notes():
            if wake.heard(note):
                self.wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.to_thread(_warm)
        settings = get_settings()
        log.info("delivery worker %s: lease %.1f s renewed every %.1f s, woken by %s, "
                 "polling every %.1f s", NAME, settings.delivery_lease_seconds,
                 settings.delivery_heartbeat_seconds, type(bus.current()).__name__,
                 settings.worker_poll_seconds)
        listener = asyncio.create_task(self._listen())
        stopping = asyncio.create_task(stop.wait())   # a stop ends the sleep, not the next poll
        stopping.add_done_callback(lambda _: self.wake.set())
        heartbeat = Heartbeat()
        heartbeat.start()
        try:
            await self._loop(stop)
        finally:
            listener.cancel()
            stopping.cancel()
            heartbeat.stopped.set()

    async def _loop(self, stop: asyncio.Event) -> None:
        limit = BATCH
        while not stop.is_set():
            self.wake.clear()   # before the round: a delivery stored during it wakes the next
            try:
                taken = await asyncio.to_thread(run_round, limit)   # one hop to the thread
                limit = min(BATCH_MAX, limit * 2) if taken >= limit else BATCH
                idle = None if taken else await asyncio.to_thread(next_due)
            except Exception:  # noqa: BLE001 - the database may be away; keep the loop alive
                log.exception("delivery worker round failed")
                taken, idle = 0, None
            if not taken:
                poll = get_settings().worker_poll_seconds
                try:
                    await asyncio.wait_for(self.wake.wait(),
                                           timeout=poll if idle is None else min(poll, idle))
                except TimeoutError:
                    pass
