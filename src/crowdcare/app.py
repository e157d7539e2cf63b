"""create_app(): the FastAPI app. Its lifespan starts the bus and, by default, the workers."""
from __future__ import annotations

import asyncio
import logging
import sys
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from crowdcare import web
from crowdcare.api import access_log, errors
from crowdcare.api.headers import SecurityHeaders
from crowdcare.api.routes import routers
from crowdcare.automation.sweep import SweepWorker
from crowdcare.community.worker import CommunityWorker
from crowdcare.events import bus as event_bus
from crowdcare.outbound.sender import OutboundWorker
from crowdcare.pipeline.worker import DeliveryWorker
from crowdcare.settings import get_settings

log = logging.getLogger(__name__)


@dataclass
class Workers:
    deliveries: DeliveryWorker = field(default_factory=DeliveryWorker)
    outbound: OutboundWorker = field(default_factory=OutboundWorker)
    community: CommunityWorker = field(default_factory=CommunityWorker)
    sweep: SweepWorker = field(default_factory=SweepWorker)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task] = field(default_factory=list)

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self.deliveries.run(self.stop)),
                      asyncio.create_task(self.outbound.run(self.stop)),
                      asyncio.create_task(self.community.run(self.stop)),
                      asyncio.create_task(self.sweep.run(self.stop))]

    async def close(self) -> None:
        self.stop.set()
        self.deliveries.notify()
        self.outbound.notify()
        await asyncio.gather(*self.tasks, return_exceptions=True)


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()
    bus = event_bus.install(event_bus.from_url(settings.bus_url, relay=True))
    await bus.start()
    workers = Workers()
    app.state.workers = workers
    if settings.run_workers:
        # The workers' threads and the event loop share the GIL: a 1 ms switch interval
        # (default 5 ms) keeps webhook acknowledgements and live updates quick while a
        # worker is busy.
        sys.setswitchinterval(0.001)
        workers.start()
    try:
        yield
    finally:
        await workers.close()
        await bus.stop()


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(title="crowdcare", version="0.1.0", lifespan=lifespan,
                  description="Social customer care: one inbox, triage, routing.")
    app.add_middleware(SessionMiddleware, secret_key=settings.signing_key(),
                       session_cookie="crowdcare_session", same_site="lax",
                       https_only=settings.public_url.startswith("https"))
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    access_log.install()
    for router in routers():
        app.include_router(router, responses=errors.REFUSALS)
    web.install(app)
    return app
