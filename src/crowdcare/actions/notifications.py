"""Staff notices from rules (`do_notify_staff`), and order notifications into the customer's threads: a receipt when an order is created, an
update for each shipping event. Channel-agnostic: a channel takes part when its adapter builds
a receipt (`ChannelAdapter.receipt`). Every message passes the policy gate; where it refuses,
the notification is recorded as blocked with the reason."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import replies, serialize
from crowdcare.channels import registry
from crowdcare.domain import Author
from crowdcare.events import emit, names
from crowdcare.store import models as m

STATUS_TEXT = {
    "label_created": "a shipping label was created",
    "in_transit": "is on its way",
    "out_for_delivery": "is out for delivery",
    "delivered": "was delivered",
    "exception": "ran into a delivery problem",
}


def _customer_ids(session: Session, customer_id: int) -> list[int]:
    """The customer and everyone merged into them: their threads are the customer's threads."""
    ids, frontier = [customer_id], [customer_id]
    while frontier:
        frontier = list(session.scalars(select(m.Customer.id).where(
            m.Customer.merged_into_id.in_(frontier))))
        ids += frontier
    return ids


def shipping_text(order: m.Order, event: m.ShippingEvent) -> str:
    text = f"Update on order {order.number}: it {STATUS_TEXT.get(event.status, event.status)}"
    if event.location:
        text += f" ({event.location})"
    text += "."
    if event.carrier and event.tracking_number:
        text += f" {event.carrier} tracking number: {event.tracking_number}."
    if event.description:
        text += f" {event.description}."
    return text


def notify_order(session: Session, order: m.Order, kind: str = "receipt",
                 event: m.ShippingEvent | None = None) -> list[m.Message]:
    """Queue (or record as blocked) the order's receipt or shipping update in each of the
    customer's conversations whose channel supports receipts."""
    conversations = session.scalars(
        select(m.Conversation).where(
            m.Conversation.workspace_id == order.workspace_id,
            m.Conversation.customer_id.in_(_customer_ids(session, order.customer_id)))
        .order_by(m.Conversation.id)).all()
    customer = session.get(m.Customer, order.customer_id)
    data = {**serialize.order(order), "recipient_name": customer.name if customer else None}
    written = []
    for conversation in conversations:
        adapter = registry.get(conversation.channel_account.kind)
        template = adapter.receipt(data) if adapter else None
        if template is None:
            continue
        if kind == "receipt":
            purpose, text = "receipt", f"Receipt for order {order.number}: total " \
                                       f"{order.total:.2f} {order.currency}"
            extra = {"template": template}
        else:
            purpose, text = "shipping", shipping_text(order, event)
            extra = {"shipping_event_id": event.id, "shipping_status": event.status}
        decision = replies.window(session, conversation, Author.system, purpose)
        if decision.allowed:
            row = replies.do_reply(session, conversation, text=text, author=Author.system,
                                   decision=decision, purpose=purpose, order_id=order.id,
                                   extra=extra)
        else:
            row = replies.do_block(session, conversation, text=text, author=Author.system,
                                   reason=decision.reason, purpose=purpose, order_id=order.id,
                                   extra=extra)
        written.append(row)
    return written


def do_notify_staff(session: Session, workspace_id: int, agent_ids: list[int],
                    notice: dict) -> None:
    """A notice in each agent's own live stream (the console shows it; nothing is sent out)."""
    for agent_id in sorted(set(agent_ids)):
        emit(session, workspace_id, names.RULE_NOTICE, notice, audience=names.agent(agent_id))
