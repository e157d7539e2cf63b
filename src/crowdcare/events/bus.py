"""The event bus: in-process by default, NATS JetStream when CROWDCARE_BUS_URL is set.

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

    def _deliver(self, topic: str, items: list) -> None:
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
        self._deliver("events", events)

    def subscribe(self) -> AsyncIterator[Event]:
        return self._listen("events")

    async def announce(self, note: dict[str, Any]) -> None:
        self._deliver("notes", [note])

    def notes(self) -> AsyncIterator[dict[str, Any]]:
        return self._listen("notes")


class NatsBus(Bus):
    """JetStream keeps the stream for other processes (workers publish, API servers fan out)."""

    stream = "CROWDCARE"
    subject = "crowdcare.events"
    notes_subject = "crowdcare.notes"

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = InProcessBus()

    async def start(self) -> None:
        import nats

        await super().start()
        await self._local.start()
        self.nc = await nats.connect(self.url, name="crowdcare")
        self.js = self.nc.jetstream()
        await self.js.add_stream(name=self.stream, subjects=[f"{self.subject}.>"],
                                 max_age=24 * 3600)
        # one core subscription per process fans out to local subscribers, in order
        self._sub = await self.nc.subscribe(f"{self.subject}.>", cb=self._on_message)
        # notes travel on a subject outside the stream: core NATS, heard live, never stored
        self._notes = await self.nc.subscribe(self.notes_subject, cb=self._on_note)

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


def from_url(url: str | None) -> Bus:
    return NatsBus(url) if url else InProcessBus()
