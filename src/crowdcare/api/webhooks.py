"""POST /webhooks/{channel}/{account_id}: verify, store, acknowledge. Nothing else runs before
the acknowledgement but the channel's parser (the worker's own, so what it cannot read is
refused here): no triage, no database work.

These are plain Starlette routes (no dependency injection, no response model): the hot path
pays for nothing it does not use. They are documented in docs/, not in the OpenAPI schema."""
from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import QueryParams

from crowdcare.api import numbers  # noqa: F401 - registers the {name:id} path convertor
from crowdcare.channels import registry
from crowdcare.channels.base import Rejected
from crowdcare.metrics import instruments
from crowdcare.pipeline import admission, ingest, normalize, order, wake
from crowdcare.pipeline.normalize import decode
from crowdcare.settings import get_settings
from crowdcare.store import accounts, db


async def _account(channel: str, account_id: int):
    adapter = registry.get(channel)
    if adapter is None:
        raise Rejected(404, f"unknown channel {channel!r}")
    account = accounts.peek(account_id)   # the hot path: no thread hop while cached
    if account is accounts.MISS:
        account = await run_in_threadpool(accounts.cached_ref, db.new_session, account_id)
    if account is None or account.kind != channel:
        raise Rejected(404, f"no active {channel} account {account_id}")
    return adapter, account


async def handshake(request: Request) -> Response:
    channel, account_id = request.path_params["channel"], request.path_params["account_id"]
    adapter, account = await _account(channel, account_id)
    answer = adapter.handshake(account, QueryParams(request.query_params))
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type)


async def _body(request: Request) -> bytes:
    limit = get_settings().max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Rejected(413, f"body over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Rejected(413, f"body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _admit_and_store(account, payload, body: bytes) -> tuple[int, bool] | None:
    """The worker's own parser (refused now, or stored, with whose thread it is), off the
    event loop: a batch of a thousand events takes milliseconds to read. None: not taken now
    (pipeline/admission)."""
    events = normalize.admit(account, payload)
    if admission.overloaded(account.kind):
        return None
    return ingest.store(account, body, order.thread_key(events))


async def receive(request: Request) -> Response:
    started = time.perf_counter()
    channel, account_id = request.path_params["channel"], request.path_params["account_id"]
    adapter, account = await _account(channel, account_id)
    body = await _body(request)
    adapter.verify(account, request.headers, body)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise Rejected(415, f"content type must be application/json, not {media or 'missing'}")
    try:
        payload = decode(body)
    except ValueError as exc:
        raise Rejected(400, f"malformed JSON: {exc}") from None
    stored = await run_in_threadpool(_admit_and_store, account, payload, body)
    if stored is None:
        instruments.acknowledged(channel, "deferred", started)
        return JSONResponse({"detail": "busy: too many deliveries wait to be processed; "
                                       "send this again after Retry-After seconds"},
                            503, headers={"Retry-After": admission.retry_after()})
    delivery_id, duplicate = stored
    if not duplicate:
        await wake.deliveries(request.app)
    instruments.acknowledged(channel, "duplicate" if duplicate else "stored", started)
    return JSONResponse({"delivery_id": delivery_id, "duplicate": duplicate})


router = APIRouter()
router.add_route("/webhooks/{channel}/{account_id:id}", handshake, methods=["GET"])
router.add_route("/webhooks/{channel}/{account_id:id}", receive, methods=["POST"])
