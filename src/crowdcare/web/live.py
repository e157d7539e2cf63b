"""GET /web/live (websocket): the console's live feed. The same events and audiences as
/api/v1/stream, resumable by `last_event_id`, but shaped for many open consoles:

- one bus subscription per process fans out to every feed (`events.fanout`);
- only what a console redraws (messages, conversations, tickets), as small ids-only events
  serialised once, never the full payloads;
- whatever queued up while a socket was busy goes out as one frame (a JSON array), so a
  burst costs one send per console, not one per event.

The outbox stays the record: the backlog and events written by other processes (read when
the bus is quiet) come from the events table, as in /api/v1/stream."""
from __future__ import annotations

import asyncio
import contextlib

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from crowdcare.api.deps import Principal, principal_from_session, same_origin
from crowdcare.api.numbers import Int64
from crowdcare.events import fanout, names, outbox
from crowdcare.store import db

router = APIRouter(include_in_schema=False)
POLL_SECONDS = 1.0
BATCH = outbox.BATCH
RELEVANT = {names.MESSAGE_CREATED, names.MESSAGE_UPDATED, names.CONVERSATION_UPDATED,
            names.TICKET_CREATED, names.TICKET_UPDATED, names.CUSTOMER_UPDATED,
            names.ORDER_CREATED, names.ORDER_UPDATED}   # the last three: the live journey


def compact(ev: dict) -> dict | None:
    """What a console needs to know which fragment to re-fetch."""
    name = ev["name"]
    if name not in RELEVANT:
        return None
    p = ev.get("payload") or {}
    if name.startswith("message."):
        return {"id": ev["id"], "name": name, "conversation_id": p.get("conversation_id"),
                "message_id": p.get("id"), "external_id": p.get("external_id"),
                "at": ev.get("created_at")}
    if name.startswith("ticket."):
        return {"id": ev["id"], "name": name, "conversation_id": p.get("conversation_id"),
                "ticket_id": p.get("id"), "customer_id": p.get("customer_id")}
    if name.startswith("order."):
        return {"id": ev["id"], "name": name, "customer_id": p.get("customer_id")}
    if name == names.CUSTOMER_UPDATED:
        return {"id": ev["id"], "name": name, "customer_id": p.get("customer_id", p.get("id"))}
    return {"id": ev["id"], "name": name, "conversation_id": p.get("id")}


def audiences(principal: Principal) -> frozenset[str]:
    return frozenset({names.STAFF, names.agent(principal.agent_id)})


def _authenticate(websocket: WebSocket) -> Principal | None:
    if not same_origin(websocket):
        return None
    with db.session_scope() as session:
        principal = principal_from_session(session, websocket)
        return principal if principal is not None and principal.is_staff else None


@router.websocket("/web/live")
async def live(websocket: WebSocket, last_event_id: Int64 | None = None) -> None:
    principal = await run_in_threadpool(_authenticate, websocket)
    if principal is None:
        await websocket.close(code=1008, reason="sign in to the console")
        return
    await websocket.accept()
    await serve_feed(websocket, principal.workspace_id, audiences(principal), compact,
                     last_event_id)


async def serve_feed(websocket: WebSocket, workspace_id: int, allowed: frozenset[str],
                     shape, last_event_id: int | None = None) -> None:
    """Send an accepted socket the workspace's events for `allowed` audiences, shaped by
    `shape` (None: not sent), until it disconnects (the community portal's feed too)."""
    console = fanout.Feed(workspace_id, allowed, shape)
    feed = fanout.hub()
    feed.add(console)   # subscribe before reading the backlog: nothing falls between
    pong = False

    async def read() -> None:   # notice a disconnect promptly; answer keep-alives
        nonlocal pong
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                if await websocket.receive_text() == "ping":
                    pong = True
                    console.wake.set()

    async def send(items: list[dict]) -> None:
        fresh = cursor.fresh(items)
        if fresh:
            await websocket.send_text(orjson.dumps(fresh).decode())

    async def catch_up() -> None:
        while True:
            rows = await run_in_threadpool(outbox.since, workspace_id, cursor.last,
                                           console.allowed)
            await send([c for c in map(shape, rows) if c is not None])
            if len(rows) < BATCH:
                return
            cursor.last = max(cursor.last, rows[-1]["id"])   # skipped (irrelevant) events too

    reader = asyncio.create_task(read())
    cursor = outbox.Cursor(last_event_id if last_event_id is not None else
                           await run_in_threadpool(outbox.head, workspace_id))
    try:
        await catch_up()
        while not reader.done():
            waiter = asyncio.ensure_future(console.wake.wait())
            await asyncio.wait({waiter, reader}, timeout=POLL_SECONDS,
                               return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if console.wake.is_set():
                await send(console.take())
                if pong:
                    pong = False
                    await websocket.send_text('{"name": "pong"}')
            elif not reader.done():   # quiet: what other processes wrote to the outbox
                await catch_up()
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        feed.remove(console)
        reader.cancel()
