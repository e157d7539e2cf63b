"""What /metrics renders: this process's instruments (in multi-process mode, those of every
process sharing its PROMETHEUS_MULTIPROC_DIR), then the database's gauges. The web process
serves it at /metrics; `crowdcare worker --metrics-port` serves the same on its own port."""
from __future__ import annotations

import os

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.registry import Collector

from crowdcare.metrics import instruments
from crowdcare.metrics.store import StoreCollector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Everything(Collector):
    def __init__(self) -> None:
        self.database = StoreCollector()

    def collect(self):
        instruments.get()   # every instrument appears, at zero, before its first event
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            processes = CollectorRegistry()
            multiprocess.MultiProcessCollector(processes)
        else:
            processes = REGISTRY
        yield from processes.collect()
        yield from self.database.collect()


registry = CollectorRegistry()   # not auto-described: no query until a scrape
registry.register(Everything())


def render() -> bytes:
    return generate_latest(registry)


def serve(port: int, host: str) -> None:
    """A worker's own /metrics (a thread): for a machine that runs no web process."""
    start_http_server(port, host, registry)
