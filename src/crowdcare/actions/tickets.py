"""Tickets: opened by service messages, worked by agents, linked as follow-ons into a journey."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import Conflict, Invalid, owned, serialize
from crowdcare.domain import TicketStatus
from crowdcare.events import emit, names
from crowdcare.settings import get_settings
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

OPEN_STATES = (TicketStatus.new, TicketStatus.open, TicketStatus.pending)
TRANSITIONS: dict[str, set[str]] = {
    "new": {"open", "pending", "solved", "closed"},
    "open": {"pending", "solved", "closed"},
    "pending": {"open", "solved", "closed"},
    "solved": {"open", "closed"},
    "closed": set(),   # a closed ticket stays closed; new messages open a follow-on
}


def current(session: Session, conversation_id: int) -> m.Ticket | None:
    return session.scalar(
        select(m.Ticket)
        .where(m.Ticket.conversation_id == conversation_id, m.Ticket.status.in_(OPEN_STATES))
        .order_by(m.Ticket.id.desc())
        .limit(1)
    )


def prefetch(session: Session, conversations: list[m.Conversation]) -> None:
    """The open tickets of a batch's conversations, in one statement (see `open_for_message`)."""
    wanted = [c for c in conversations if not db.known(session, ("open ticket", c))]
    if not wanted:
        return
    newest: dict[int, m.Ticket] = {}
    for row in session.scalars(select(m.Ticket).where(
            m.Ticket.conversation_id.in_([c.id for c in wanted]),
            m.Ticket.status.in_(OPEN_STATES)).order_by(m.Ticket.id)):
        newest[row.conversation_id] = row
    for conversation in wanted:
        db.remember(session, ("open ticket", conversation), newest.get(conversation.id))


def open_for_message(session: Session, conversation: m.Conversation, priority: int,
                     route: str | None, subject: str) -> m.Ticket:
    """The open ticket of this conversation, or a new one that follows the customer's last
    solved ticket when it was solved recently (the journey reads as one chain)."""
    key = ("open ticket", conversation)
    ticket = db.once(session, key, lambda: current(session, conversation.id)
                     if conversation.id is not None else None)
    if ticket is not None:
        if ticket.status == TicketStatus.pending:   # the customer answered: back to work
            ticket.status = TicketStatus.open
        ticket.priority = max(ticket.priority, priority)
        return ticket
    customer = conversation.customer
    previous = None
    if customer.id is not None:   # a new customer has no earlier tickets
        since = utcnow() - timedelta(days=get_settings().follow_on_days)
        previous = session.scalar(
            select(m.Ticket)
            .where(m.Ticket.customer_id == customer.id,
                   m.Ticket.status.in_((TicketStatus.solved, TicketStatus.closed)),
                   m.Ticket.solved_at >= since)
            .order_by(m.Ticket.solved_at.desc())
            .limit(1)
        )
    ticket = m.Ticket(
        workspace_id=conversation.workspace_id, conversation=conversation, customer=customer,
        status=TicketStatus.new, priority=priority, route=route, subject=subject[:200] or None,
        follows_ticket_id=previous.id if previous else None,
        assignee_id=conversation.assignee_id, team_id=conversation.team_id,
    )
    session.add(ticket)
    db.remember(session, key, ticket)
    emit(session, ticket.workspace_id, names.TICKET_CREATED, lambda: serialize.ticket(ticket))
    return ticket


def get(session: Session, workspace_id: int, ticket_id: int) -> m.Ticket:
    return owned(session, m.Ticket, ticket_id, workspace_id, "ticket")


def check_update(session: Session, ticket: m.Ticket, changes: dict[str, Any]) -> None:
    status = changes.get("status")
    if status is not None and status != ticket.status and status not in TRANSITIONS[ticket.status]:
        raise Conflict(f"a {ticket.status} ticket cannot become {status}")
    for key, model in (("assignee_id", m.Agent), ("team_id", m.Team)):
        value = changes.get(key)
        if value is not None:
            row = session.get(model, value)
            if row is None or row.workspace_id != ticket.workspace_id:
                raise Invalid(f"{key} {value} does not exist in this workspace", field=key)
    follows = changes.get("follows_ticket_id")
    if follows is not None:
        other = session.get(m.Ticket, follows)
        if other is None or other.workspace_id != ticket.workspace_id or other.id == ticket.id:
            raise Invalid(f"follows_ticket_id {follows} is not another ticket of this workspace",
                          field="follows_ticket_id")


def do_update(session: Session, ticket: m.Ticket, changes: dict[str, Any]) -> m.Ticket:
    now = utcnow()
    for key, value in changes.items():
        setattr(ticket, key, value)
    if changes.get("status") == TicketStatus.solved:
        ticket.solved_at = now
    elif changes.get("status") == TicketStatus.closed:
        ticket.closed_at = now
        ticket.solved_at = ticket.solved_at or now
    elif changes.get("status") in (TicketStatus.open, TicketStatus.pending):
        ticket.solved_at = None
    conversation = session.get(m.Conversation, ticket.conversation_id)
    for key in ("assignee_id", "team_id", "priority", "route"):
        if key in changes:
            setattr(conversation, key, changes[key])
    session.flush()
    conversation.status = "open" if current(session, conversation.id) else "closed"
    emit(session, ticket.workspace_id, names.TICKET_UPDATED, serialize.ticket(ticket))
    emit(session, ticket.workspace_id, names.CONVERSATION_UPDATED,
         serialize.conversation(conversation))
    return ticket
