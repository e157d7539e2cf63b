"""What /metrics renders: this process's instruments (in multi-process mode, those of every
process sharing its PROMETHEUS_MULTIPROC_DIR) followed by the database's gauges."""
from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

from crowdcare.metrics import instruments
from crowdcare.metrics.store import StoreCollector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_database = CollectorRegistry()   # not auto-described: no query until a scrape
_database.register(StoreCollector())


def render() -> bytes:
    instruments.get()   # every instrument appears, at zero, before its first event
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    return generate_latest(processes) + generate_latest(_database)
