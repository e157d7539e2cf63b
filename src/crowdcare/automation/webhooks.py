"""Rules' webhook calls: queued in the transaction that fired the rule (actions never call
out), sent after commit through outbound.network (SSRF-safe), signed like the API channel's
callbacks (X-Crowdcare-Signature: HMAC-SHA256 over "<timestamp>.<body>" with the workspace's
webhook secret), retried with backoff until MAX_ATTEMPTS, then failed with the reason. The
calls are queued by actions/rules.do_queue_webhook; `sweep` (one of automation/sweep.py's
DUE_WORK, every `worker_poll_seconds`) sends those due and records how each went."""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import httpx
import orjson
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crowdcare.actions.rules import webhook_secret
from crowdcare.channels.api.adapter import SIGNATURE_HEADER, sign
from crowdcare.outbound import network
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
BACKOFF = (30, 120, 600, 1800, 3600)   # seconds after attempt n
EVENT_HEADER = "X-Crowdcare-Event"


def _due_query(now: datetime):
    return select(m.WebhookCall).where(
        m.WebhookCall.status == "queued",
        or_(m.WebhookCall.next_attempt_at.is_(None), m.WebhookCall.next_attempt_at <= now))


def due(limit: int = 20) -> list[tuple[int, str, bytes, str, str]]:
    """The calls due now, each with its body and signing key."""
    now = utcnow()
    with db.session_scope() as session:
        rows = session.scalars(_due_query(now).order_by(m.WebhookCall.id).limit(limit)).all()
        out = []
        for row in rows:
            body = orjson.dumps({"id": row.id, "event": row.event, **row.payload})
            out.append((row.id, row.url, body, row.event,
                        webhook_secret(session, row.workspace_id)))
        return out


def _record(call_id: int, error: str | None) -> None:
    with db.session_scope() as session:
        row = session.get(m.WebhookCall, call_id)
        row.attempts += 1
        if error is None:
            row.status, row.sent_at, row.last_error = "sent", utcnow(), None
        elif row.attempts >= MAX_ATTEMPTS:
            row.status, row.last_error = "failed", error
        else:
            wait = BACKOFF[min(row.attempts - 1, len(BACKOFF) - 1)]
            row.last_error, row.next_attempt_at = error, utcnow() + timedelta(seconds=wait)


async def send_one(call: tuple[int, str, bytes, str, str], http: httpx.AsyncClient) -> bool:
    call_id, url, body, event, secret = call
    stamp = str(int(utcnow().timestamp()))
    headers = {"Content-Type": "application/json", EVENT_HEADER: event,
               SIGNATURE_HEADER: sign(secret, stamp, body), "X-Crowdcare-Timestamp": stamp}
    try:
        response = await http.post(url, content=body, headers=headers)
        error = None if response.is_success else f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        error = network.summary(exc)
    await asyncio.to_thread(_record, call_id, error)
    return error is None


async def send_due(http: httpx.AsyncClient, max_rounds: int = 10) -> int:
    """Send what is due; returns how many calls were made."""
    total = 0
    for _ in range(max_rounds):
        calls = await asyncio.to_thread(due)
        if not calls:
            break
        await asyncio.gather(*(send_one(c, http) for c in calls))
        total += len(calls)
    return total


def call_out(row: m.WebhookCall) -> dict:
    return {"id": row.id, "rule_id": row.rule_id, "url": row.url, "event": row.event,
            "status": row.status, "attempts": row.attempts, "last_error": row.last_error,
            "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
            "sent_at": row.sent_at.isoformat() if row.sent_at else None}


def sweep(session: Session, now: datetime) -> int:
    """The sweep's step (automation/sweep.py): one round of the calls due now; the count
    sent. Each call is recorded in its own unit of work, as it completes."""
    if session.scalar(_due_query(now).with_only_columns(m.WebhookCall.id).limit(1)) is None:
        return 0
    session.commit()   # end the read: no transaction stays open while calls are out

    async def round_() -> int:
        async with network.client() as http:
            return await send_due(http, max_rounds=1)

    # a thread of its own for the event loop: the caller's thread may hold one (a test's
    # browser driver, the server's to_thread worker is fine either way)
    with ThreadPoolExecutor(1, thread_name_prefix="webhooks") as pool:
        return pool.submit(asyncio.run, round_()).result()
