"""Presence: who is viewing a conversation and who is typing. A small in-memory hub for one
process (several API processes would share it over the bus; see docs/console.md)."""
from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from crowdcare.api.deps import Principal, principal_from_session, same_origin
from crowdcare.store import db
from crowdcare.store import models as m

router = APIRouter(include_in_schema=False)
TYPING_SECONDS = 6.0


@dataclass(eq=False)
class Viewer:
    socket: WebSocket
    agent_id: int
    name: str
    typing_at: float = 0.0


@dataclass
class Hub:
    rooms: dict[int, set[Viewer]] = field(default_factory=dict)

    def state(self, conversation_id: int) -> dict:
        now = time.monotonic()
        people: dict[int, dict] = {}
        for v in self.rooms.get(conversation_id, ()):
            entry = people.setdefault(v.agent_id, {"agent_id": v.agent_id, "name": v.name,
                                                   "typing": False})
            entry["typing"] = entry["typing"] or now - v.typing_at < TYPING_SECONDS
        return {"name": "presence", "conversation_id": conversation_id,
                "viewers": sorted(people.values(), key=lambda p: p["name"])}

    async def broadcast(self, conversation_id: int) -> None:
        text = orjson.dumps(self.state(conversation_id)).decode()
        for v in list(self.rooms.get(conversation_id, ())):
            with contextlib.suppress(Exception):
                await v.socket.send_text(text)


hub = Hub()


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
async def presence(websocket: WebSocket, conversation_id: int) -> None:
    principal = await run_in_threadpool(_authorise, websocket, conversation_id)
    if principal is None:
        await websocket.close(code=1008, reason="not allowed")
        return
    await websocket.accept()
    me = Viewer(websocket, principal.agent_id, principal.name)
    hub.rooms.setdefault(conversation_id, set()).add(me)
    await hub.broadcast(conversation_id)
    try:
        while True:
            try:
                text = await asyncio.wait_for(websocket.receive_text(), TYPING_SECONDS)
            except TimeoutError:
                if me.typing_at:   # typing stopped without a word: tell the others
                    me.typing_at = 0.0
                    await hub.broadcast(conversation_id)
                continue
            if text == "typing":
                was = time.monotonic() - me.typing_at < TYPING_SECONDS
                me.typing_at = time.monotonic()
                if not was:
                    await hub.broadcast(conversation_id)
            elif text == "idle":
                me.typing_at = 0.0
                await hub.broadcast(conversation_id)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        room = hub.rooms.get(conversation_id, set())
        room.discard(me)
        if not room:
            hub.rooms.pop(conversation_id, None)
        await hub.broadcast(conversation_id)
