"""Stored webhook deliveries: list the failed ones and retry them (admin)."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.api.deps import Principal, admin, get_session, owned
from crowdcare.api.numbers import Int64
from crowdcare.pipeline import worker
from crowdcare.store import models as m

router = APIRouter(prefix="/api/v1/deliveries", tags=["deliveries"])


def delivery_out(row: m.Delivery) -> dict[str, Any]:
    return {"id": row.id, "channel_account_id": row.channel_account_id, "kind": row.kind,
            "status": row.status, "attempts": row.attempts,
            "error": (row.last_error or "").splitlines()[0] if row.last_error else None,
            "received_at": row.received_at.isoformat(),
            "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None}


@router.get("")
def list_deliveries(status: Literal["pending", "processing", "done", "failed"] | None = "failed",
                    limit: Int64 = Query(50, ge=1, le=500), principal: Principal = Depends(admin),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    query = select(m.Delivery).where(m.Delivery.workspace_id == principal.workspace_id)
    if status:
        query = query.where(m.Delivery.status == status)
    rows = session.scalars(query.order_by(m.Delivery.id.desc()).limit(limit)).all()
    return {"items": [delivery_out(r) for r in rows]}


@router.post("/{delivery_id}/retry")
async def retry(delivery_id: Int64, principal: Principal = Depends(admin),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    owned(session, m.Delivery, delivery_id, principal, "delivery")
    await run_in_threadpool(worker.retry, [delivery_id])
    return {"delivery_id": delivery_id, "status": "pending"}
