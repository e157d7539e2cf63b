from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, EmailStr, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdcare.actions import customers, serialize
from crowdcare.api.deps import Principal, get_session, owned, staff
from crowdcare.api.numbers import Int64
from crowdcare.store import models as m
from crowdcare.store import queries

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


@router.get("")
def list_customers(q: str | None = Query(None, max_length=200),
                   limit: Int64 = Query(50, ge=1, le=200), offset: Int64 = Query(0, ge=0),
                   principal: Principal = Depends(staff),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    query = select(m.Customer).where(m.Customer.workspace_id == principal.workspace_id,
                                     m.Customer.merged_into_id.is_(None))
    if q:
        query = query.where(func.lower(m.Customer.name).like(f"%{q.lower()}%"))
    rows = session.scalars(query.order_by(m.Customer.id).limit(limit).offset(offset)).all()
    return {"items": [serialize.customer(r) for r in rows], "limit": limit, "offset": offset}


@router.get("/{customer_id}")
def get_customer(customer_id: Int64, principal: Principal = Depends(staff),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    """The customer with identities, orders, conversations and tickets as one journey."""
    customer = owned(session, m.Customer, customer_id, principal, "customer")
    journey = queries.customer_journey(session, customer.id)
    return {
        **serialize.customer(customer),
        "orders": [serialize.order(o) for o in journey["orders"]],
        "conversations": [serialize.conversation(c) for c in journey["conversations"]],
        "tickets": [serialize.ticket(t) for t in journey["tickets"]],
        "optins": [{"topic": o.topic, "status": o.status,
                    "expires_at": serialize.iso(o.expires_at)} for o in journey["optins"]],
    }


class CustomerPatch(BaseModel):
    """Left out: unchanged. A field typed without `| None` refuses null with 422 (pydantic
    does not validate the None default, only what is sent); one with it clears."""
    name: str | None = Field(None, min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(None, max_length=40)
    vip: bool = None


@router.patch("/{customer_id}")
def update_customer(customer_id: Int64, body: CustomerPatch, principal: Principal = Depends(staff),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    customer = owned(session, m.Customer, customer_id, principal, "customer")
    return serialize.customer(customers.do_update(session, customer,
                                                  body.model_dump(exclude_unset=True)))


class MergeIn(BaseModel):
    other_customer_id: Int64 = Field(description="merged into this customer, then hidden")


@router.post("/{customer_id}/merge")
def merge(customer_id: Int64, body: MergeIn, principal: Principal = Depends(staff),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    survivor = owned(session, m.Customer, customer_id, principal, "customer")
    other = owned(session, m.Customer, body.other_customer_id, principal, "customer")
    customers.check_merge(survivor, other)
    return serialize.customer(customers.do_merge(session, survivor, other, by=principal.name))


@router.post("/{customer_id}/unmerge")
def unmerge(customer_id: Int64, principal: Principal = Depends(staff),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """Undo the merge of this (merged) customer: what the merge moved goes back."""
    merged = owned(session, m.Customer, customer_id, principal, "customer")
    customers.check_unmerge(merged)
    return serialize.customer(customers.do_unmerge(session, merged))
