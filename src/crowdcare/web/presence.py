"""Presence: who is viewing a conversation and who is typing. Each process keeps its own
viewers and announces them on the bus (a note: heard by every process, never stored); each
shows its viewers the union of its own and the others' latest announcements. Announcements
are repeated every HEARTBEAT seconds and forgotten after TTL, so a process that stops or a
note that is lost costs at most a stale name for TTL seconds."""
from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from crowdcare.api.deps import Principal, principal_from_session, same_origin
from crowdcare.api.numbers import Int64
from crowdcare.events import bus
from crowdcare.store import db
from crowdcare.store import models as m

router = APIRouter(include_in_schema=False)
TYPING_SECONDS = 6.0
HEARTBEAT = 5.0
TTL = 3 * HEARTBEAT


@dataclass(eq=False)
class Viewer:
    socket: WebSocket
    agent_id: int
    name: str
    typing_at: float = 0.0


@dataclass(eq=False)
class Hub:
    source: bus.Bus
    process: str = field(default_factory=lambda: uuid.uuid4().hex)
    rooms: dict[int, set[Viewer]] = field(default_factory=dict)
    # conversation -> process -> (forget at, its viewers)
    remote: dict[int, dict[str, tuple[float, list[dict]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.task = asyncio.create_task(self._run())

    def local(self, conversation_id: int) -> list[dict]:
        now = time.monotonic()
        people: dict[int, dict] = {}
        for v in self.rooms.get(conversation_id, ()):
            entry = people.setdefault(v.agent_id, {"agent_id": v.agent_id, "name": v.name,
                                                   "typing": False})
            entry["typing"] = entry["typing"] or now - v.typing_at < TYPING_SECONDS
        return list(people.values())

    def state(self, conversation_id: int) -> dict:
        people: dict[int, dict] = {}
        others = [viewers for _, viewers in self.remote.get(conversation_id, {}).values()]
        for entry in [*self.local(conversation_id), *(e for v in others for e in v)]:
            seen = people.setdefault(entry["agent_id"], dict(entry))
            seen["typing"] = seen["typing"] or entry["typing"]
        return {"name": "presence", "conversation_id": conversation_id,
                "viewers": sorted(people.values(), key=lambda p: p["name"])}

    async def show(self, conversation_id: int) -> None:
        text = orjson.dumps(self.state(conversation_id)).decode()
        for v in list(self.rooms.get(conversation_id, ())):
            with contextlib.suppress(Exception):
                await v.socket.send_text(text)

    async def announce(self, conversation_id: int, ask: bool = False) -> None:
        with contextlib.suppress(Exception):   # best effort: the heartbeat repeats it
            await self.source.announce({"presence": conversation_id, "process": self.process,
                                        "viewers": self.local(conversation_id), "ask": ask})

    async def changed(self, conversation_id: int, ask: bool = False) -> None:
        await self.announce(conversation_id, ask)
        await self.show(conversation_id)

    async def _run(self) -> None:
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            async for note in self.source.notes():
                conversation_id = note.get("presence")
                if conversation_id is None or note.get("process") == self.process:
                    continue
                room = self.remote.setdefault(conversation_id, {})
                if note["viewers"]:
                    room[note["process"]] = (time.monotonic() + TTL, note["viewers"])
                else:
                    room.pop(note["process"], None)
                if conversation_id in self.rooms:
                    if note.get("ask"):   # a process that just got a viewer: tell it ours
                        await self.announce(conversation_id)
                    await self.show(conversation_id)
        finally:
            heartbeat.cancel()

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            for conversation_id in list(self.rooms):
                await self.announce(conversation_id)
            now = time.monotonic()
            for conversation_id, room in list(self.remote.items()):
                gone = [p for p, (until, _) in room.items() if until < now]
                for process in gone:
                    del room[process]
                if not room:
                    del self.remote[conversation_id]
                if gone and conversation_id in self.rooms:
                    await self.show(conversation_id)


def hub() -> Hub:
    return bus.attached(Hub)


def _authorise(websocket: WebSocket, conversation_id: int) -> Principal | None:
    if not same_origin(websocket):
        return None
    with db.session_scope() as session:
        principal = principal_from_session(session, websocket)
        if principal is None or not principal.is_staff:
            return None
        conv = session.get(m.Conversation, conversation_id)
        if conv is None or conv.workspace_id != principal.workspace_id:
            return None
        return principal


@router.websocket("/web/presence/{conversation_id}")
async def presence(websocket: WebSocket, conversation_id: Int64) -> None:
    principal = await run_in_threadpool(_authorise, websocket, conversation_id)
    if principal is None:
        await websocket.close(code=1008, reason="not allowed")
        return
    await websocket.accept()
    me = Viewer(websocket, principal.agent_id, principal.name)
    room = hub()
    first = conversation_id not in room.rooms
    room.rooms.setdefault(conversation_id, set()).add(me)
    await room.changed(conversation_id, ask=first)
    try:
        while True:
            try:
                text = await asyncio.wait_for(websocket.receive_text(), TYPING_SECONDS)
            except TimeoutError:
                if me.typing_at:   # typing stopped without a word: tell the others
                    me.typing_at = 0.0
                    await room.changed(conversation_id)
                continue
            if text == "typing":
                was = time.monotonic() - me.typing_at < TYPING_SECONDS
                me.typing_at = time.monotonic()
                if not was:
                    await room.changed(conversation_id)
            elif text == "idle":
                me.typing_at = 0.0
                await room.changed(conversation_id)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        viewers = room.rooms.get(conversation_id, set())
        viewers.discard(me)
        if not viewers:
            room.rooms.pop(conversation_id, None)
        await room.changed(conversation_id)
