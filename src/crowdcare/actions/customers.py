"""Customers: one person known on several channels is one customer. A merge is recorded on
the merged customer (which rows moved, what was copied), so it can be undone."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crowdcare.actions import Conflict, Invalid, serialize
from crowdcare.events import emit, names
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

MOVED = {"identities": m.Identity, "conversations": m.Conversation, "tickets": m.Ticket,
         "orders": m.Order, "optins": m.OptInToken}
COPIED = ("email", "phone", "vip")


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


def do_merge(session: Session, survivor: m.Customer, other: m.Customer,
             by: str | None = None, reason: str | None = None) -> m.Customer:
    """Move identities, conversations, tickets, orders and consents to the survivor."""
    session.flush()
    moved = {key: list(session.scalars(select(model.id).where(model.customer_id == other.id)))
             for key, model in MOVED.items()}
    for model in MOVED.values():
        session.execute(update(model).where(model.customer_id == other.id)
                        .values(customer_id=survivor.id))
    copied = {}
    for key in COPIED:
        if not getattr(survivor, key) and getattr(other, key):
            copied[key] = getattr(other, key)
            setattr(survivor, key, getattr(other, key))
    other.merged_into_id = survivor.id
    other.merge_record = {"moved": moved, "copied": copied, "by": by, "reason": reason,
                          "at": utcnow().isoformat()}
    session.flush()
    session.expire_all()
    emit(session, survivor.workspace_id, names.CUSTOMER_UPDATED, serialize.customer(survivor))
    return survivor


def check_unmerge(merged: m.Customer) -> m.Customer:
    """The customer it was merged into; refused when it was not merged, or not recorded."""
    if merged.merged_into_id is None:
        raise Conflict(f"customer {merged.id} is not merged into anyone")
    if not merged.merge_record:
        raise Conflict(f"customer {merged.id} was merged before merges were recorded: it "
                       "cannot be undone automatically")
    return merged


def do_unmerge(session: Session, merged: m.Customer) -> m.Customer:
    """Undo a merge: the rows it moved (still with the survivor) go back, and what it copied
    is cleared where the survivor still has the copied value."""
    survivor = session.get(m.Customer, merged.merged_into_id)
    record = merged.merge_record or {}
    for key, ids in (record.get("moved") or {}).items():
        model = MOVED.get(key)
        if model is not None and ids:
            session.execute(update(model).where(model.id.in_(ids),
                                                model.customer_id == survivor.id)
                            .values(customer_id=merged.id))
    for key, value in (record.get("copied") or {}).items():
        if key in COPIED and getattr(survivor, key) == value:
            setattr(survivor, key, False if key == "vip" else None)
    merged.merged_into_id, merged.merge_record = None, None
    session.flush()
    session.expire_all()
    for row in (survivor, merged):
        emit(session, row.workspace_id, names.CUSTOMER_UPDATED, serialize.customer(row))
    return merged
