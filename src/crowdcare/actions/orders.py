"""Orders attached to customers: created and updated through the API by the shop."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import Conflict, Invalid, notifications, serialize
from crowdcare.events import emit, names
from crowdcare.store import models as m


def check_create(session: Session, workspace_id: int, data: dict[str, Any]) -> m.Customer:
    customer = session.get(m.Customer, data["customer_id"])
    if customer is None or customer.workspace_id != workspace_id:
        raise Invalid(f"customer_id {data['customer_id']} does not exist in this workspace",
                      field="customer_id")
    if session.scalar(select(m.Order.id).where(m.Order.workspace_id == workspace_id,
                                               m.Order.number == data["number"])):
        raise Conflict(f"order number {data['number']} already exists", field="number")
    return customer


def _totals(order: m.Order) -> None:
    order.subtotal = round(sum(i.unit_price * i.quantity for i in order.items), 2)
    order.total = round(order.subtotal + order.shipping_cost + order.tax, 2)


def do_create(session: Session, workspace_id: int, data: dict[str, Any]) -> m.Order:
    items = data.pop("items")
    order = m.Order(workspace_id=workspace_id, **data)
    order.items = [m.OrderItem(**item) for item in items]
    _totals(order)
    session.add(order)
    session.flush()
    emit(session, workspace_id, names.ORDER_CREATED, serialize.order(order))
    notifications.notify_order(session, order, "receipt")   # into the customer's threads
    return order


def do_update(session: Session, order: m.Order, changes: dict[str, Any]) -> m.Order:
    items = changes.pop("items", None)
    for key, value in changes.items():
        setattr(order, key, value)
    if items is not None:
        order.items = [m.OrderItem(**item) for item in items]
    _totals(order)
    session.flush()
    emit(session, order.workspace_id, names.ORDER_UPDATED, serialize.order(order))
    return order


def do_add_shipping_event(session: Session, order: m.Order, data: dict[str, Any]) -> m.ShippingEvent:
    event = m.ShippingEvent(order_id=order.id, **data)
    order.shipping_events.append(event)
    order.status = {"delivered": "delivered", "exception": "exception"}.get(
        data["status"], "shipped")
    session.flush()
    emit(session, order.workspace_id, names.ORDER_UPDATED,
         {**serialize.order(order), "shipping_event_id": event.id})
    notifications.notify_order(session, order, "shipping", event)
    return event
