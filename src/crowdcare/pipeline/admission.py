"""Whether ingest takes more: graceful slowing instead of a collapse of processing.

A platform's webhook is always stored and acknowledged (a platform that sees errors retries,
then backs off, then may disable the subscription: refusing it risks losing messages). A post
to the API channel, whose client is the business's own integration and documented to retry,
is answered 503 with Retry-After while more deliveries wait than CROWDCARE_INGEST_MAX_BACKLOG:
nothing is lost (not acknowledged, so the client still holds it) and the workers catch up.

The backlog is counted at most once a second per process (one index range), not per post;
the second is the injectable clock's."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from crowdcare.domain.enums import DeliveryStatus
from crowdcare.settings import get_settings
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

REFRESH = timedelta(seconds=1)
REFUSED_KINDS = frozenset({"api"})   # the channels whose clients are told to come back
_lock = threading.Lock()
_seen: dict = {"at": datetime.min.replace(tzinfo=UTC), "backlog": 0}


def backlog() -> int:
    """Pending deliveries, as counted within the last second."""
    now = utcnow()
    if not _seen["at"] <= now < _seen["at"] + REFRESH and _lock.acquire(blocking=False):
        try:
            with db.engine().connect() as conn:
                _seen["backlog"] = conn.execute(select(func.count()).where(
                    m.Delivery.status == DeliveryStatus.pending)).scalar_one()
            _seen["at"] = now
        finally:
            _lock.release()
    return _seen["backlog"]


def overloaded(kind: str) -> bool:
    """True when a post of this channel kind should be answered 503 with Retry-After."""
    return kind in REFUSED_KINDS and backlog() > get_settings().ingest_max_backlog


def retry_after() -> str:
    """Seconds to wait: roughly the time a worker needs for a few thousand deliveries."""
    return "5"
