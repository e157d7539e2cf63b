"""Order status without an agent: "where is my order?" answered from the customer's own
orders (a number in the message, the order a reply carries, or their only recent order).

Another customer's order is never disclosed: a number that is not among the customer's own
orders gets the same answer whether it exists or not ("I can't find an order X on your
account"), so the bot cannot be used to probe order numbers. Several candidate orders: the
bot asks which, with one choice per order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crowdcare.actions.notifications import _customer_ids
from crowdcare.bots import phrases
from crowdcare.store import models as m

TOKEN = re.compile(r"#?([A-Za-z]{0,6}-?\d[\w-]{2,40})")
ASK_AT_MOST = 5            # orders offered in "which order do you mean?"


def _norm(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", value.lower())


@dataclass
class OrderReply:
    kind: str                         # order | clarify | not_found
    text: str
    order: m.Order | None = None
    quick_replies: list[dict] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def mentioned(text: str) -> list[str]:
    """Tokens that may be order numbers: letters then digits ("NW-1001", "#1001", "1001")."""
    return [t for t in TOKEN.findall(text or "") if sum(c.isdigit() for c in t) >= 3]


def own_orders(session: Session, customer_id: int) -> list[m.Order]:
    return list(session.scalars(
        select(m.Order).where(m.Order.customer_id.in_(_customer_ids(session, customer_id)))
        .options(selectinload(m.Order.shipping_events)).order_by(m.Order.created_at.desc())))


def _match(token: str, orders: list[m.Order]) -> list[m.Order]:
    key = _norm(token)
    exact = [o for o in orders if _norm(o.number) == key]
    if exact or not key.isdigit():
        return exact
    return [o for o in orders if re.sub(r"\D", "", o.number) == key]   # "1001" ~ "NW-1001"


def status_text(order: m.Order, language: str) -> str:
    lines = [phrases.text(language, "order", number=order.number,
                          placed=f"{order.created_at:%d %b}",
                          status=phrases.ORDER_STATUS.get(order.status, order.status))]
    if order.shipping_events:
        last = order.shipping_events[-1]
        lines.append(phrases.text(language, "shipment",
                                  event=phrases.EVENT.get(last.status, last.status),
                                  where=f" ({last.location})" if last.location else "",
                                  when=f"{last.occurred_at:%d %b %H:%M}"))
        if last.carrier and last.tracking_number:
            lines.append(phrases.text(language, "tracking", carrier=last.carrier,
                                      tracking=last.tracking_number))
    return " ".join(lines)


def answer(session: Session, conversation: m.Conversation, message: m.Message,
           language: str, choice: str | None = None) -> OrderReply:
    orders = own_orders(session, conversation.customer_id)
    tokens = [choice[len(phrases.ORDER_PREFIX):]] if choice else mentioned(message.text)
    if tokens:
        for token in tokens:
            found = _match(token, orders)
            if len(found) == 1:
                return OrderReply("order", status_text(found[0], language), found[0],
                                  reasons=[f"order {found[0].number} named in the message"])
        return OrderReply("not_found", phrases.text(language, "no_order", number=tokens[0]),
                          reasons=[f"{tokens[0]!r} is not one of the customer's orders"])
    if message.order_id is not None and message.reply_to:   # a reply to that order's message
        found = [o for o in orders if o.id == message.order_id]
        if found:
            return OrderReply("order", status_text(found[0], language), found[0],
                              reasons=["the message answers this order's receipt or update"])
    if len(orders) == 1:
        return OrderReply("order", status_text(orders[0], language), orders[0],
                          reasons=["the customer's only order"])
    if not orders:
        return OrderReply("clarify", phrases.text(language, "no_orders"),
                          reasons=["no orders on the customer's account"])
    open_first = sorted(orders, key=lambda o: o.status == "delivered")[:ASK_AT_MOST]
    listed = ", ".join(f"{o.number} ({o.created_at:%d %b})" for o in open_first)
    return OrderReply("clarify", phrases.text(language, "which_order", orders=listed),
                      quick_replies=[{"title": o.number[:20],
                                      "payload": phrases.ORDER_PREFIX + o.number}
                                     for o in open_first],
                      reasons=[f"{len(orders)} orders: the customer chooses"])
