"""One bus subscription per process for every live feed (console and API stream sockets):
each event is matched to the feeds of its workspace that may see its audience, and shaped
once per kind of feed (ids only for consoles, the whole event as JSON text for the API), not
once per socket."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crowdcare.events import bus

Shape = Callable[[dict[str, Any]], Any]   # event -> what the feed sends (None: nothing)


@dataclass(eq=False)
class Feed:
    """One live socket's queue: what arrived while it was busy goes out on its next turn."""

    workspace_id: int
    allowed: frozenset[str]
    shape: Shape   # a module-level function: feeds of one kind share each event's shaping
    pending: list = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self) -> list:
        self.wake.clear()
        items, self.pending = self.pending, []
        return items


class Hub:
    def __init__(self, source: bus.Bus) -> None:
        self.feeds: dict[int, set[Feed]] = {}
        self.task = asyncio.create_task(self._run(source))

    async def _run(self, source: bus.Bus) -> None:
        async for ev in source.subscribe():
            shaped: dict[Shape, Any] = {}
            for feed in self.feeds.get(ev["workspace_id"], ()):
                if ev["audience"] not in feed.allowed:
                    continue
                if feed.shape not in shaped:
                    shaped[feed.shape] = feed.shape(ev)
                item = shaped[feed.shape]
                if item is not None:
                    feed.pending.append(item)
                    feed.wake.set()

    def add(self, feed: Feed) -> None:
        self.feeds.setdefault(feed.workspace_id, set()).add(feed)

    def remove(self, feed: Feed) -> None:
        room = self.feeds.get(feed.workspace_id)
        if room is not None:
            room.discard(feed)
            if not room:
                del self.feeds[feed.workspace_id]


def hub() -> Hub:
    return bus.attached(Hub)
