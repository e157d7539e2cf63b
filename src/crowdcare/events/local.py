"""One machine's bus without a NATS server: `crowdcare serve` and the `crowdcare worker`
children it starts share a unix socket (owner-only, in a private temporary folder). The
serving process is the relay: what a process publishes reaches its own subscribers at once,
the relay's, and every other child's through the relay, in the order each publisher sent it.
Like NATS core, it carries the live fan-out and notes only; the outbox stays the record."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import struct
from collections.abc import AsyncIterator
from typing import Any

import orjson

from crowdcare.events.bus import Bus, Event, InProcessBus

log = logging.getLogger(__name__)
HEADER = struct.Struct(">I")
CONNECT_SECONDS = 2.0   # a child waits this long at start for the relay, then connects later


class SocketBus(Bus):
    def __init__(self, path: str, relay: bool) -> None:
        self.path, self.relay = path, relay
        self._local = InProcessBus()
        self._peers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> None:
        await super().start()
        await self._local.start()
        if self.relay:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            self._server = await asyncio.start_unix_server(self._accept, self.path)
            os.chmod(self.path, 0o600)
            return
        self._connected = asyncio.Event()
        self._spawn(self._connect())
        try:   # usually at once; a relay still starting is waited for in the background
            await asyncio.wait_for(self._connected.wait(), CONNECT_SECONDS)
        except TimeoutError:
            log.warning("the local bus relay at %s is not up yet: events reach this process "
                        "only once it is (the outbox keeps them meanwhile)", self.path)

    async def _connect(self) -> None:
        """A child's link to the relay, made again if it drops."""
        while True:
            try:
                reader, writer = await asyncio.open_unix_connection(self.path)
            except (FileNotFoundError, ConnectionRefusedError):
                await asyncio.sleep(0.05)
                continue
            self._peers.add(writer)
            self._connected.set()
            await self._read(reader, writer)
            self._connected.clear()
            await asyncio.sleep(0.05)

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._peers.add(writer)
        await self._read(reader, writer)

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (size,) = HEADER.unpack(await reader.readexactly(HEADER.size))
                frame = await reader.readexactly(size)
                self._take(orjson.loads(frame))
                if self.relay:   # on to every other child
                    self._send(HEADER.pack(size) + frame, skip=writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._peers.discard(writer)
            writer.close()
            if not self.relay:
                log.warning("the local bus relay (the serving process) went away")

    def _take(self, frame: dict) -> None:
        if "e" in frame:
            self._local.deliver("events", frame["e"])
        else:
            self._local.deliver("notes", [frame["n"]])

    def _send(self, data: bytes, skip: asyncio.StreamWriter | None = None) -> None:
        for peer in list(self._peers):
            if peer is not skip and not peer.is_closing():
                peer.write(data)

    def _frame(self, body: dict) -> bytes:
        raw = orjson.dumps(body)
        return HEADER.pack(len(raw)) + raw

    async def publish(self, events: list[Event]) -> None:
        self._local.deliver("events", events)
        self._send(self._frame({"e": events}))

    def subscribe(self) -> AsyncIterator[Event]:
        return self._local.subscribe()

    async def announce(self, note: dict[str, Any]) -> None:
        self._local.deliver("notes", [note])
        self._send(self._frame({"n": note}))

    def notes(self) -> AsyncIterator[dict[str, Any]]:
        return self._local.notes()

    async def stop(self) -> None:
        for peer in list(self._peers):
            peer.close()
        if self.relay and getattr(self, "_server", None) is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
