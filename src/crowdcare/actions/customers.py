"""Customers: one person known on several channels is one customer."""
from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from crowdcare.actions import Invalid, serialize
from crowdcare.events import emit, names
from crowdcare.store import models as m


def do_update(session: Session, customer: m.Customer, changes: dict[str, Any]) -> m.Customer:
    for key, value in changes.items():
        setattr(customer, key, value)
    session.flush()
    emit(session, customer.workspace_id, names.CUSTOMER_UPDATED, serialize.customer(customer))
    return customer


def check_merge(survivor: m.Customer, other: m.Customer) -> None:
    if survivor.id == other.id:
        raise Invalid("cannot merge a customer into itself", field="other_customer_id")
    if other.merged_into_id is not None or survivor.merged_into_id is not None:
        raise Invalid("one of these customers was already merged", field="other_customer_id")


def do_merge(session: Session, survivor: m.Customer, other: m.Customer) -> m.Customer:
    """Move identities, conversations, tickets, orders and consents to the survivor."""
    for model in (m.Identity, m.Conversation, m.Ticket, m.Order, m.OptInToken):
        session.execute(update(model).where(model.customer_id == other.id)
                        .values(customer_id=survivor.id))
    other.merged_into_id = survivor.id
    survivor.vip = survivor.vip or other.vip
    survivor.email = survivor.email or other.email
    survivor.phone = survivor.phone or other.phone
    session.flush()
    session.expire(survivor, ["identities"])
    emit(session, survivor.workspace_id, names.CUSTOMER_UPDATED, serialize.customer(survivor))
    return survivor
