from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import orders, serialize
from crowdcare.api.deps import Principal, get_session, owned, staff
from crowdcare.api.numbers import Int64
from crowdcare.domain.orders import order_key
from crowdcare.store import models as m

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])
Money = Field(ge=0, le=10_000_000)


class Item(BaseModel):
    sku: str | None = Field(None, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    quantity: Int64 = Field(1, ge=1, le=10_000)
    unit_price: float = Money
    image_url: str | None = Field(None, max_length=1000)


class Address(BaseModel):
    street_1: str = Field(max_length=200)
    street_2: str | None = Field(None, max_length=200)
    city: str = Field(max_length=100)
    postal_code: str = Field(max_length=20)
    state: str | None = Field(None, max_length=100)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")


class OrderIn(BaseModel):
    customer_id: Int64
    number: str = Field(min_length=1, max_length=64)
    currency: str = Field("USD", pattern="^[A-Z]{3}$")
    items: list[Item] = Field(min_length=1, max_length=500)
    shipping_cost: float = Field(0, ge=0)
    tax: float = Field(0, ge=0)
    payment_method: str | None = Field(None, max_length=100)
    address: Address | None = None
    status: str = Field("placed", max_length=30)


class OrderPatch(BaseModel):
    """Left out: unchanged. A field typed without `| None` refuses null with 422 (pydantic
    does not validate the None default, only what is sent); one with it clears."""
    status: str = Field(None, max_length=30)
    items: list[Item] = Field(None, min_length=1, max_length=500)
    shipping_cost: float = Field(None, ge=0)
    tax: float = Field(None, ge=0)
    payment_method: str | None = Field(None, max_length=100)
    address: Address = None


class ShippingEventIn(BaseModel):
    status: Literal["label_created", "in_transit", "out_for_delivery", "delivered", "exception"]
    description: str | None = Field(None, max_length=500)
    location: str | None = Field(None, max_length=200)
    carrier: str | None = Field(None, max_length=100)
    tracking_number: str | None = Field(None, max_length=100)
    occurred_at: datetime | None = None


@router.post("", status_code=201)
def create_order(body: OrderIn, principal: Principal = Depends(staff),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    data = body.model_dump()
    data["address"] = data["address"] or {}
    orders.check_create(session, principal.workspace_id, data)
    return serialize.order(orders.do_create(session, principal.workspace_id, data))


@router.get("")
def list_orders(number: str | None = Query(None, max_length=64,
                                           description="as customers type it: NW1001 = NW-1001"),
                customer_id: Int64 | None = None, limit: Int64 = Query(50, ge=1, le=200),
                offset: Int64 = Query(0, ge=0), principal: Principal = Depends(staff),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    query = select(m.Order).where(m.Order.workspace_id == principal.workspace_id)
    if number:
        query = query.where(m.Order.number_key == order_key(number))
    if customer_id is not None:
        query = query.where(m.Order.customer_id == customer_id)
    rows = session.scalars(query.order_by(m.Order.id).limit(limit).offset(offset)).all()
    return {"items": [serialize.order(r) for r in rows], "limit": limit, "offset": offset}


@router.get("/{order_id}")
def get_order(order_id: Int64, principal: Principal = Depends(staff),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    return serialize.order(owned(session, m.Order, order_id, principal, "order"))


@router.patch("/{order_id}")
def update_order(order_id: Int64, body: OrderPatch, principal: Principal = Depends(staff),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    order = owned(session, m.Order, order_id, principal, "order")
    changes = body.model_dump(exclude_unset=True)
    if "items" in changes:   # an item's own defaults (quantity 1) count, though left unset
        changes["items"] = [item.model_dump() for item in body.items]
    return serialize.order(orders.do_update(session, order, changes))


@router.post("/{order_id}/shipping-events", status_code=201)
def add_shipping_event(order_id: Int64, body: ShippingEventIn,
                       principal: Principal = Depends(staff),
                       session: Session = Depends(get_session)) -> dict[str, Any]:
    order = owned(session, m.Order, order_id, principal, "order")
    data = body.model_dump(exclude_none=True)
    orders.do_add_shipping_event(session, order, data)
    return serialize.order(order)
