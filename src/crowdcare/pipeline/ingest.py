"""Stage 1: store the raw delivery. The webhook is acknowledged only after this commits.

Group commit: concurrent webhooks are stored together. The first request thread that finds
nobody writing becomes the leader and writes every request queued by then in one transaction
(one statement for the threads' locks, one multi-row INSERT, one commit); the others wait for
its result. When it is done, the first request queued meanwhile leads the next batch. At low
load a batch is one request and nothing waits; under load one commit serves many, which is
what lets the web process keep up with its workers (per request it was four statements and a
commit). A batch that fails is written again request by request, so a bad one fails alone."""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from crowdcare.domain import AccountRef
from crowdcare.pipeline.order import lock_threads
from crowdcare.store import db
from crowdcare.store.models import Delivery
from crowdcare.store.types import utcnow

BOM = b"\xef\xbb\xbf"
# One statement for every batch, its rows bound per call (building one with `.values(...)`
# cost ~1 ms of Python per webhook); a body already stored is skipped, not an error.
_INSERT = {name: dialect.insert(Delivery).on_conflict_do_nothing(
    index_elements=["channel_account_id", "dedupe_key"]).returning(
    Delivery.id, Delivery.channel_account_id, Delivery.dedupe_key)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


@dataclass(eq=False)
class _Request:
    row: dict
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False          # promoted: this request's thread writes the next batch
    result: tuple[int, bool] | None = None
    error: BaseException | None = None


_lock = threading.Lock()
_queue: list[_Request] = []
_writing = False


def store(account: AccountRef, body: bytes, thread_key: str | None = None) -> tuple[int, bool]:
    """Commit the body; return (delivery id, duplicate). The same body twice is one delivery:
    platforms retry what they think we missed, and replaying must not double anything.
    `thread_key`: whose thread it is (pipeline/order.py), so its order is kept."""
    global _writing
    now = utcnow()
    request = _Request({
        "workspace_id": account.workspace_id, "channel_account_id": account.id,
        "kind": account.kind, "dedupe_key": hashlib.sha256(body).hexdigest(), "body": body,
        "status": "pending", "attempts": 0, "next_attempt_at": now, "received_at": now,
        "thread_key": thread_key})
    with _lock:
        _queue.append(request)
        request.lead = not _writing
        _writing = True
    while not request.lead:
        request.done.wait()
        if request.result is not None or request.error is not None:
            break
    if request.lead:
        _lead()
    if request.error is not None:
        raise request.error
    return request.result


def _lead() -> None:
    """Write what is queued (this thread's request among it), then hand the lead on."""
    global _writing
    with _lock:
        batch = _queue[:]
        _queue.clear()
    try:
        _write(batch)
    except Exception:  # noqa: BLE001 - each request's own outcome is set below
        for request in batch:
            try:
                _write([request])
            except Exception as exc:  # noqa: BLE001 - raised in the request's own thread
                request.error = exc
    finally:
        with _lock:
            if _queue:
                _queue[0].lead = True
                _queue[0].done.set()
            else:
                _writing = False
        for request in batch:
            if request.result is None and request.error is None:
                request.error = RuntimeError("delivery not stored")
            request.done.set()


def _write(batch: list[_Request]) -> None:
    engine = db.engine()
    rows = [r.row for r in batch]
    with engine.begin() as conn:
        lock_threads(conn, [(row["channel_account_id"], row["thread_key"]) for row in rows])
        stored = {(a, k): i for i, a, k in conn.execute(_INSERT[engine.dialect.name], rows)}
        results, seen = [], set()
        for row in rows:
            key = (row["channel_account_id"], row["dedupe_key"])
            if key in stored:   # the first of a body in this batch is new; later ones are not
                results.append((stored[key], key in seen))
            else:               # stored before this batch
                results.append((conn.execute(select(Delivery.id).where(
                    Delivery.channel_account_id == key[0], Delivery.dedupe_key == key[1])
                ).scalar_one(), True))
            seen.add(key)
    for request, result in zip(batch, results, strict=True):   # committed: now they hold
        request.result = result
