"""/orders/{id}: an order as the store has it, with its customer and their conversations
(order numbers in messages link here)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from crowdcare.api.deps import Principal, get_session
from crowdcare.api.numbers import Int64
from crowdcare.store import models as m
from crowdcare.web.core import console_user, owned, render

router = APIRouter(include_in_schema=False)


@router.get("/orders/{order_id}")
def order_page(order_id: Int64, request: Request, principal: Principal = Depends(console_user),
               session: Session = Depends(get_session)):
    order = owned(session, m.Order, order_id, principal, "order")
    customer = session.get(m.Customer, order.customer_id)
    conversations = session.scalars(
        select(m.Conversation).where(m.Conversation.customer_id == customer.id)
        .options(joinedload(m.Conversation.channel_account))
        .order_by(m.Conversation.last_message_at.desc())).all()
    return render(request, "order.html", {"order": order, "customer": customer,
                                          "conversations": conversations},
                  principal=principal, session=session)
