"""GET /api/v1/stream (websocket): the events this client may see, live, resuming after
`last_event_id`. Live events come from the bus; the outbox is the record, so the backlog and
what another process wrote while the bus was quiet are read from the database."""
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
from crowdcare.events import bus, names, outbox
from crowdcare.store import db

router = APIRouter(tags=["stream"])
POLL_SECONDS = 1.0
BATCH = outbox.BATCH
PONG: dict = {"name": "pong"}


def audiences(principal: Principal) -> set[str]:
    own = names.agent(principal.agent_id)
    return {names.STAFF, own} if principal.is_staff else {names.ADVOCATES, own}


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
async def stream(websocket: WebSocket, last_event_id: int | None = None,
                 token: str | None = None) -> None:
    principal = await run_in_threadpool(_authenticate, websocket, token)
    if principal is None:
        await websocket.close(code=1008, reason="missing or invalid token")
        return
    await websocket.accept()
    allowed = audiences(principal)
    live: asyncio.Queue[dict] = asyncio.Queue()

    async def listen() -> None:   # subscribe before reading the backlog: nothing falls between
        async for ev in bus.current().subscribe():
            if ev["workspace_id"] == principal.workspace_id and ev["audience"] in allowed:
                live.put_nowait(ev)

    async def drain_client() -> None:   # notice a disconnect promptly; answer keep-alives
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                if await websocket.receive_text() == "ping":
                    live.put_nowait(PONG)   # in order: after everything already queued

    async def send(events: list[dict]) -> None:
        for ev in events:
            if ev is PONG:
                await websocket.send_text('{"name": "pong"}')
            elif cursor.fresh([ev]):
                await websocket.send_text(orjson.dumps(ev).decode())

    listener = asyncio.create_task(listen())
    closer = asyncio.create_task(drain_client())
    cursor = outbox.Cursor(last_event_id if last_event_id is not None else
                           await run_in_threadpool(outbox.head, principal.workspace_id))
    try:
        while True:   # the backlog first, in pages
            events = await run_in_threadpool(outbox.since, principal.workspace_id, cursor.last, allowed)
            await send(events)
            if len(events) < BATCH:
                break
        while not closer.done():
            getter = asyncio.ensure_future(live.get())
            await asyncio.wait({getter, closer}, timeout=POLL_SECONDS,
                               return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                await send([getter.result()])
            else:   # quiet: catch up with what other processes wrote to the outbox
                getter.cancel()
                await send(await run_in_threadpool(outbox.since, principal.workspace_id, cursor.last, allowed))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        listener.cancel()
        closer.cancel()
