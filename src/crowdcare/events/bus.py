"""The event bus: in-process by default, NATS JetStream when CROWDCARE_BUS_URL is set (its
subjects and stream named by CROWDCARE_BUS_PREFIX, one per deployment on a NATS server).

Both deliver every published event to every live subscriber in order. The bus only carries
the live fan-out; the events table stays the record, so a subscriber that was away resumes
from the outbox by event id. Notes (`announce`/`notes`) are for what is not worth a record,
like who is viewing a conversation: every process hears them, nothing stores them.
"""
from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import orjson

log = logging.getLogger(__name__)
Event = dict[str, Any]


class Bus:
    """Contract: start/stop, publish (async and from worker threads), subscribe."""

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()

    async def stop(self) -> None: ...

    async def publish(self, events: list[Event]) -> None:
        raise NotImplementedError

    def publish_threadsafe(self, events: list[Event]) -> None:
        """Called after commit, from the event loop or a worker thread."""
        loop = getattr(self, "loop", None)
        if loop is None or loop.is_closed():
            return  # no live subscribers in this process (CLI): the outbox keeps the events
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            loop.create_task(self.publish(events))
        else:
            asyncio.run_coroutine_threadsafe(self.publish(events), loop)

    def subscribe(self) -> AsyncIterator[Event]:
        raise NotImplementedError

    async def announce(self, note: dict[str, Any]) -> None:
        """Best effort and never stored: every process's `notes()` listeners hear it."""
        raise NotImplementedError

    def notes(self) -> AsyncIterator[dict[str, Any]]:
        raise NotImplementedError


class InProcessBus(Bus):
    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue]] = {"events": set(), "notes": set()}

    def deliver(self, topic: str, items: list) -> None:
        for item in items:
            for q in list(self._queues[topic]):
                q.put_nowait(item)

    async def _listen(self, topic: str) -> AsyncIterator:
        q: asyncio.Queue = asyncio.Queue()
        self._queues[topic].add(q)
        try:
            while True:
                yield await q.get()
        finally:
            self._queues[topic].discard(q)

    async def publish(self, events: list[Event]) -> None:
        self.deliver("events", events)

    def subscribe(self) -> AsyncIterator[Event]:
        return self._listen("events")

    async def announce(self, note: dict[str, Any]) -> None:
        self.deliver("notes", [note])

    def notes(self) -> AsyncIterator[dict[str, Any]]:
        return self._listen("notes")


class NatsBus(Bus):
    """Events on `<prefix>.events.<workspace id>`, kept in the deployment's stream within the
    operator's limits (bytes, age; the oldest dropped first) and read by every process through
    an ordered consumer: after a dropped connection it resumes from the last sequence it saw,
    so no live event is lost to a reconnect (a core subscription would miss what was published
    meanwhile). A process starts from the stream's end: what it missed while down is read from
    the outbox. Notes travel on `<prefix>.notes`, core NATS, never stored."""

    def __init__(self, url: str, prefix: str | None = None, max_bytes: int | None = None,
                 max_age_seconds: float | None = None) -> None:
        from crowdcare.settings import get_settings

        settings = get_settings()
        self.url = url
        self.prefix = prefix or settings.bus_prefix
        self.subject = f"{self.prefix}.events"
        self.notes_subject = f"{self.prefix}.notes"
        self.stream = stream_name(self.prefix)
        self.max_bytes = max_bytes or settings.bus_max_bytes
        self.max_age_seconds = max_age_seconds or settings.bus_max_age_seconds
        self._local = InProcessBus()

    async def start(self) -> None:
        import nats
        from nats.js.api import DeliverPolicy

        await super().start()
        await self._local.start()
        self.nc = await nats.connect(self.url, name=f"crowdcare {self.prefix}")
        self.js = self.nc.jetstream()
        await self.ensure_stream()
        # one ordered consumer per process fans out to local subscribers, in stream order
        self._sub = await self.js.subscribe(f"{self.subject}.>", stream=self.stream,
                                            cb=self._on_message, ordered_consumer=True,
                                            deliver_policy=DeliverPolicy.NEW)
        self._notes = await self.nc.subscribe(self.notes_subject, cb=self._on_note)

    async def ensure_stream(self) -> None:
        """Create the stream, or bring an existing one to the configured limits and subjects
        (an operator who changes a limit restarts the processes)."""
        from nats.js.api import DiscardPolicy, StorageType, StreamConfig
        from nats.js.errors import NotFoundError

        config = StreamConfig(name=self.stream, subjects=[f"{self.subject}.>"],
                              description=f"crowdcare events ({self.prefix})",
                              max_bytes=self.max_bytes, max_age=self.max_age_seconds,
                              discard=DiscardPolicy.OLD, storage=StorageType.FILE)
        try:
            info = await self.js.stream_info(self.stream)
        except NotFoundError:
            await self.js.add_stream(config)
            log.info("created NATS stream %s (%s.>, max %d bytes, %g s)", self.stream,
                     self.subject, self.max_bytes, self.max_age_seconds)
            return
        have = info.config
        if (have.subjects != config.subjects or have.max_bytes != config.max_bytes
                or abs((have.max_age or 0) - config.max_age) > 0.001):
            await self.js.update_stream(config)
            log.info("updated NATS stream %s to max %d bytes, %g s", self.stream,
                     self.max_bytes, self.max_age_seconds)

    async def _on_message(self, msg) -> None:
        await self._local.publish([orjson.loads(msg.data)])

    async def _on_note(self, msg) -> None:
        await self._local.announce(orjson.loads(msg.data))

    async def stop(self) -> None:
        if getattr(self, "nc", None) is not None:
            await self.nc.drain()

    async def publish(self, events: list[Event]) -> None:
        # Plain (ordered) publishes: the stream still stores them, and no batch can slip in
        # between another's events while one waits for an acknowledgement per event.
        for ev in events:
            await self.nc.publish(f"{self.subject}.{ev['workspace_id']}", orjson.dumps(ev))

    def subscribe(self) -> AsyncIterator[Event]:
        return self._local.subscribe()

    async def announce(self, note: dict[str, Any]) -> None:
        await self.nc.publish(self.notes_subject, orjson.dumps(note))

    def notes(self) -> AsyncIterator[dict[str, Any]]:
        return self._local.notes()


def stream_name(prefix: str) -> str:
    """The stream of a subject prefix: `acme.prod` -> `ACME_PROD` (names take no dots)."""
    return prefix.replace(".", "_").upper()


_current: Bus = InProcessBus()


def current() -> Bus:
    return _current


def install(bus: Bus) -> Bus:
    global _current
    _current = bus
    return bus


T = TypeVar("T")
_attached: dict[Callable, weakref.WeakKeyDictionary] = {}


def attached(make: Callable[[Bus], T]) -> T:
    """One `make(bus)` per installed bus (each app lifespan installs its own), made again
    when its `task` has ended: the process-wide listeners (live feeds, presence) use this."""
    source = current()
    per_bus = _attached.setdefault(make, weakref.WeakKeyDictionary())
    found = per_bus.get(source)
    if found is None or found.task.done():
        found = per_bus[source] = make(source)
    return found


def from_url(url: str | None, relay: bool = False) -> Bus:
    """nats://...: NATS JetStream; unix:///path: one machine's processes over a socket (what
    `crowdcare serve` sets up for its worker children; `relay`: this is the serving
    process); none: in-process."""
    if not url:
        return InProcessBus()
    if url.startswith("unix://"):
        from crowdcare.events.local import SocketBus

        return SocketBus(url.removeprefix("unix://"), relay)
    return NatsBus(url)
