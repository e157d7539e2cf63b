"""Which store customer the person in a conversation may be, and why: suggested to the agent,
confirmed with one click (actions.customers.do_merge), never merged on a name alone.

Evidence, strongest first: the same email or phone as the channel gave it (the shop's
signed-in chat, a platform profile), and an order number the customer wrote that belongs to
another customer of the workspace."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdcare.domain.orders import candidates
from crowdcare.store import models as m


@dataclass
class Suggestion:
    customer: m.Customer
    reasons: list[str] = field(default_factory=list)
    orders: list[m.Order] = field(default_factory=list)


def phone_key(phone: str | None) -> str | None:
    """The last nine digits: "+1 (415) 555-0101" and "415 555 0101" are one phone."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-9:] if len(digits) >= 7 else None


def orders_named(session: Session, workspace_id: int, texts: Iterable[str]) -> dict[str, m.Order]:
    """The workspace's orders whose numbers appear in these texts, by number key."""
    keys = {key for text in texts for _, _, key in candidates(text)}
    if not keys:
        return {}
    rows = session.scalars(select(m.Order).where(m.Order.workspace_id == workspace_id,
                                                 m.Order.number_key.in_(keys)))
    return {row.number_key: row for row in rows}


def live(session: Session, customer: m.Customer) -> m.Customer:
    """Follow merges to the customer that holds the rows now."""
    seen = set()
    while customer.merged_into_id is not None and customer.id not in seen:
        seen.add(customer.id)
        customer = session.get(m.Customer, customer.merged_into_id)
    return customer


def suggestions(session: Session, customer: m.Customer,
                messages: Iterable[m.Message]) -> list[Suggestion]:
    """Other customers of the workspace this one may be, each with the evidence."""
    found: dict[int, Suggestion] = {}

    def add(other: m.Customer, reason: str, order: m.Order | None = None) -> None:
        other = live(session, other)
        if other.id == customer.id:
            return
        s = found.setdefault(other.id, Suggestion(other))
        if reason not in s.reasons:
            s.reasons.append(reason)
        if order is not None and order not in s.orders:
            s.orders.append(order)

    C = m.Customer
    others = select(C).where(C.workspace_id == customer.workspace_id, C.id != customer.id,
                             C.merged_into_id.is_(None))
    if customer.email:
        for other in session.scalars(others.where(
                func.lower(C.email) == customer.email.strip().lower())):
            add(other, f"same email ({customer.email})")
    key = phone_key(customer.phone)
    if key:
        digits = C.phone
        for sep in (" ", "-", "(", ")", ".", "+"):
            digits = func.replace(digits, sep, "")
        for other in session.scalars(others.where(digits.like(f"%{key}")).limit(20)):
            if phone_key(other.phone) == key:
                add(other, f"same phone ({customer.phone})")
    inbound = [msg for msg in messages if msg.direction == "inbound" and msg.text]
    orders = orders_named(session, customer.workspace_id, (msg.text for msg in inbound))
    given: dict[int, list[int]] = {}   # order id → the messages that give it
    for msg in inbound:
        for _, _, number in candidates(msg.text):
            order = orders.get(number)
            if order is not None and order.customer_id != customer.id \
                    and msg.id not in given.setdefault(order.id, []):
                given[order.id].append(msg.id)
    for order in orders.values():
        if given.get(order.id):
            where = ", ".join(f"#{i}" for i in given[order.id][-3:])
            add(session.get(C, order.customer_id),
                f"gave order {order.number} (message{'s' if len(given[order.id]) > 1 else ''} "
                f"{where})", order)
    return list(found.values())
