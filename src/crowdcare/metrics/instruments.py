"""The per-process counters and histograms, and the hooks the pipeline calls.

Made on first use, not at import: `crowdcare serve` chooses the multi-process mode
(PROMETHEUS_MULTIPROC_DIR) after the package is imported, and a metric takes its storage
when it is made."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from prometheus_client import Counter, Histogram, values
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from crowdcare.store.types import utcnow

# from a millisecond to a minute: an acknowledgement takes ms, a backlog can take minutes
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
           120, 300)
_AFTER_COMMIT = "crowdcare.metrics_after_commit"


@dataclass(frozen=True)
class Instruments:
    processed: Counter
    processing_delay: Histogram
    failures: Counter
    ack_delay: Histogram
    webhooks: Counter
    send_attempts: Counter


@lru_cache
def get() -> Instruments:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR") and \
            values.ValueClass is not values.get_value_class():
        values.ValueClass = values.get_value_class()   # set after prometheus_client's import
    return Instruments(
        processed=Counter("crowdcare_deliveries_processed",
                          "Deliveries processed (their effects committed)"),
        processing_delay=Histogram("crowdcare_delivery_processing_delay_seconds",
                                   "From a delivery's acknowledgement to its effects committed",
                                   buckets=BUCKETS),
        failures=Counter("crowdcare_delivery_failures",
                         "Failed delivery attempts; final: retries exhausted", ["final"]),
        ack_delay=Histogram("crowdcare_webhook_ack_seconds",
                            "From a webhook's arrival to its acknowledgement", ["channel"],
                            buckets=BUCKETS),
        webhooks=Counter("crowdcare_webhooks",
                         "Webhook posts answered, by outcome", ["channel", "outcome"]),
        send_attempts=Counter("crowdcare_send_attempts",
                              "Outbound send attempts, by result", ["result"]),
    )


def processed(session: Session, received: list[datetime]) -> None:
    """Deliveries received at these times are done in this unit of work: counted once it
    commits (a batch that rolls back is replayed one by one, and counted then)."""
    session.info.setdefault(_AFTER_COMMIT, []).extend(received)


@sa_event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    received = session.info.pop(_AFTER_COMMIT, None)
    if received:
        inst, now = get(), utcnow()
        inst.processed.inc(len(received))
        for at in received:
            inst.processing_delay.observe(max(0.0, (now - at).total_seconds()))


@sa_event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, _previous) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def failed(final: bool) -> None:
    get().failures.labels(final="true" if final else "false").inc()


def acknowledged(channel: str, outcome: str, started: float) -> None:
    """A webhook answered; `started` is its time.perf_counter() at arrival."""
    inst = get()
    inst.webhooks.labels(channel=channel, outcome=outcome).inc()
    if outcome in ("stored", "duplicate"):
        inst.ack_delay.labels(channel=channel).observe(time.perf_counter() - started)


def sent(ok: bool) -> None:
    get().send_attempts.labels(result="sent" if ok else "error").inc()
