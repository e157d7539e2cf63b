"""GET /api/v1/stream (websocket): the events this client may see, live, resuming after
`last_event_id`, one whole event per frame. Live events come from the bus through the
process's one subscription (`events.fanout`, which serialises each event once for every
client); the outbox is the record, so the backlog and what another process wrote while the
bus was quiet are read from the database."""
from __future__ import annotations

import asyncio
import contextlib

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from crowdcare.api.deps import (
    Principal,
    principal_from_session,
    principal_from_token,
    same_origin,
)
from crowdcare.api.numbers import Int64
from crowdcare.events import fanout, names, outbox
from crowdcare.store import db

router = APIRouter(tags=["stream"])
POLL_SECONDS = 1.0
BATCH = outbox.BATCH
PONG: dict = {"name": "pong"}


def audiences(principal: Principal) -> frozenset[str]:
    own = names.agent(principal.agent_id)
    return frozenset({names.STAFF, own} if principal.is_staff else {names.ADVOCATES, own})


def whole(ev: dict) -> dict:
    """What a stream client gets: the event as JSON text, made once per event."""
    return {"id": ev["id"], "text": orjson.dumps(ev).decode()}


def _authenticate(websocket: WebSocket, token: str | None) -> Principal | None:
    with db.session_scope() as session:
        header = websocket.headers.get("authorization", "")
        token = token or (header[7:] if header.lower().startswith("bearer ") else None)
        if token:
            return principal_from_token(session, token)
        if not same_origin(websocket):
            return None
        return principal_from_session(session, websocket)


@router.websocket("/api/v1/stream")
async def stream(websocket: WebSocket, last_event_id: Int64 | None = None,
                 token: str | None = None) -> None:
    principal = await run_in_threadpool(_authenticate, websocket, token)
    if principal is None:
        await websocket.close(code=1008, reason="missing or invalid token")
        return
    await websocket.accept()
    feed = fanout.Feed(principal.workspace_id, audiences(principal), whole)
    hub = fanout.hub()
    hub.add(feed)   # subscribe before reading the backlog: nothing falls between

    async def drain_client() -> None:   # notice a disconnect promptly; answer keep-alives
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                if await websocket.receive_text() == "ping":
                    feed.pending.append(PONG)   # in order: after everything already queued
                    feed.wake.set()

    async def send(items: list[dict]) -> None:
        for item in items:
            if item is PONG:
                await websocket.send_text('{"name": "pong"}')
            elif cursor.fresh([item]):
                await websocket.send_text(item["text"])

    async def catch_up() -> None:
        while True:
            events = await run_in_threadpool(outbox.since, principal.workspace_id, cursor.last,
                                             feed.allowed)
            await send([whole(ev) for ev in events])
            if len(events) < BATCH:
                return
            cursor.last = max(cursor.last, events[-1]["id"])   # a page sent before moves on too

    closer = asyncio.create_task(drain_client())
    cursor = outbox.Cursor(last_event_id if last_event_id is not None else
                           await run_in_threadpool(outbox.head, principal.workspace_id))
    try:
        await catch_up()   # the backlog first, in pages
        while not closer.done():
            waiter = asyncio.ensure_future(feed.wake.wait())
            await asyncio.wait({waiter, closer}, timeout=POLL_SECONDS,
                               return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if feed.wake.is_set():
                await send(feed.take())
            elif not closer.done():   # quiet: what other processes wrote to the outbox
                await catch_up()
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.remove(feed)
        closer.cancel()
