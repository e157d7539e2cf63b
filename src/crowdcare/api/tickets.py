from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import serialize, tickets
from crowdcare.api.deps import Principal, get_session, owned, staff
from crowdcare.api.numbers import Int64
from crowdcare.store import models as m

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])
Status = Literal["new", "open", "pending", "solved", "closed"]


@router.get("")
def list_tickets(status: Status | None = None, assignee_id: Int64 | None = None,
                 customer_id: Int64 | None = None, limit: Int64 = Query(50, ge=1, le=200),
                 offset: Int64 = Query(0, ge=0), principal: Principal = Depends(staff),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    query = select(m.Ticket).where(m.Ticket.workspace_id == principal.workspace_id)
    if status:
        query = query.where(m.Ticket.status == status)
    if assignee_id is not None:
        query = query.where(m.Ticket.assignee_id == assignee_id)
    if customer_id is not None:
        query = query.where(m.Ticket.customer_id == customer_id)
    rows = session.scalars(query.order_by(m.Ticket.id.desc()).limit(limit).offset(offset)).all()
    return {"items": [serialize.ticket(r) for r in rows], "limit": limit, "offset": offset}


@router.get("/{ticket_id}")
def get_ticket(ticket_id: Int64, principal: Principal = Depends(staff),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    return serialize.ticket(owned(session, m.Ticket, ticket_id, principal, "ticket"))


class TicketPatch(BaseModel):
    """Left out: unchanged. A field typed without `| None` refuses null with 422 (pydantic
    does not validate the None default, only what is sent); one with it clears."""
    status: Status = None
    priority: Int64 = Field(None, ge=0, le=100)
    assignee_id: Int64 | None = None
    team_id: Int64 | None = None
    tags: list[str] = Field(None, max_length=50)
    follows_ticket_id: Int64 | None = None


@router.patch("/{ticket_id}")
def update_ticket(ticket_id: Int64, body: TicketPatch, principal: Principal = Depends(staff),
                  session: Session = Depends(get_session)) -> dict[str, Any]:
    ticket = owned(session, m.Ticket, ticket_id, principal, "ticket")
    changes = body.model_dump(exclude_unset=True)
    if "tags" in changes:
        changes["tags"] = sorted({t.strip() for t in changes["tags"] if t.strip()})
    tickets.check_update(session, ticket, changes)
    return serialize.ticket(tickets.do_update(session, ticket, changes, by=principal.name))


class EscalationIn(BaseModel):
    action: Literal["escalate", "clear"] = Field(
        description="escalate the ticket, or clear its escalation (it holds until cleared)")


@router.post("/{ticket_id}/escalation")
def escalation(ticket_id: Int64, body: EscalationIn, principal: Principal = Depends(staff),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    ticket = owned(session, m.Ticket, ticket_id, principal, "ticket")
    tickets.check_escalation(ticket, body.action)
    return serialize.ticket(tickets.do_escalation(session, ticket, body.action, principal.name))
