"""What the database says, read at scrape time: the same answer from every process."""
from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from crowdcare.domain.enums import DeliveryStatus, MessageStatus
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

# `done` deliveries and sent messages are history, not backlog: their totals are the counters
BACKLOG = (DeliveryStatus.pending, DeliveryStatus.processing, DeliveryStatus.failed)
SENDS = (MessageStatus.queued, MessageStatus.failed, MessageStatus.blocked)


class StoreCollector(Collector):
    def collect(self):
        now = utcnow()
        with db.session_scope() as session:   # each count is a range of a status index
            backlog = dict(session.execute(
                select(m.Delivery.status, func.count()).where(m.Delivery.status.in_(BACKLOG))
                .group_by(m.Delivery.status)).all())
            expired = session.scalar(select(func.count()).where(
                m.Delivery.status == DeliveryStatus.processing, m.Delivery.next_attempt_at <= now))
            due = session.scalar(select(func.count()).where(
                m.Delivery.status == DeliveryStatus.pending, m.Delivery.next_attempt_at <= now))
            sends = dict(session.execute(
                select(m.Message.status, func.count()).where(m.Message.status.in_(SENDS))
                .group_by(m.Message.status)).all())
        deliveries = GaugeMetricFamily("crowdcare_deliveries",
                                       "Deliveries not done, by status", labels=["status"])
        for status in BACKLOG:
            deliveries.add_metric([status.value], backlog.get(status, 0))
        yield deliveries
        yield GaugeMetricFamily("crowdcare_deliveries_due",
                                "Pending deliveries due now (not waiting for a retry)", value=due)
        leases = GaugeMetricFamily("crowdcare_delivery_leases",
                                   "Claimed deliveries: held (lease running) or expired "
                                   "(their worker is gone or late)", labels=["state"])
        processing = backlog.get(DeliveryStatus.processing, 0)
        leases.add_metric(["held"], processing - expired)
        leases.add_metric(["expired"], expired)
        yield leases
        out = GaugeMetricFamily("crowdcare_sends", "Outbound messages by status (queued: "
                                "waiting to be sent)", labels=["status"])
        for status in SENDS:
            out.add_metric([status.value], sends.get(status, 0))
        yield out
