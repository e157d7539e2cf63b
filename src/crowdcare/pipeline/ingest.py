"""Stage 1: store the raw delivery. The webhook is acknowledged only after this commits."""
from __future__ import annotations

import hashlib
import threading
from contextlib import nullcontext

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from crowdcare.domain import AccountRef
from crowdcare.pipeline.order import lock_thread
from crowdcare.store import db
from crowdcare.store.models import Delivery
from crowdcare.store.types import utcnow

BOM = b"\xef\xbb\xbf"
# SQLite has one writer at a time, and a writer that finds the file locked sleeps in its busy
# handler (milliseconds). Queuing writers on a Python lock instead hands over in microseconds.
_sqlite_writer = threading.Lock()
# One statement for every delivery, its values bound per call: `.values(...)` built a new
# statement each time, ~1 ms of Python per webhook (five times the insert itself).
_INSERT = insert(Delivery).returning(Delivery.id)


def store(account: AccountRef, body: bytes, thread_key: str | None = None) -> tuple[int, bool]:
    """Commit the body; return (delivery id, duplicate). The same body twice is one delivery:
    platforms retry what they think we missed, and replaying must not double anything.
    `thread_key`: whose thread it is (pipeline/order.py), so its order is kept."""
    key = hashlib.sha256(body).hexdigest()
    now = utcnow()
    engine = db.engine()
    with _sqlite_writer if engine.dialect.name == "sqlite" else nullcontext(), engine.begin() as conn:
        try:
            lock_thread(conn, account.id, thread_key)
            delivery_id = conn.execute(_INSERT, {
                "workspace_id": account.workspace_id, "channel_account_id": account.id,
                "kind": account.kind, "dedupe_key": key, "body": body, "status": "pending",
                "attempts": 0, "next_attempt_at": now, "received_at": now,
                "thread_key": thread_key}).scalar_one()
            return delivery_id, False
        except IntegrityError:
            pass
    with db.engine().connect() as conn:
        existing = conn.execute(select(Delivery.id).where(
            Delivery.channel_account_id == account.id, Delivery.dedupe_key == key)).scalar_one()
    return existing, True
