"""Tickets: opened by service requests, worked by agents, linked as follow-ons into a journey.
Their route, priority and escalation follow the rules of conversations.state: each event is
folded into `Ticket.state` here and mirrored on the conversation the inbox lists."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import Conflict, Invalid, owned, serialize, sla
from crowdcare.conversations import state as rules
from crowdcare.domain import TicketStatus
from crowdcare.events import at_commit, emit, names
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


def _rules():
    """automation/run.py, which runs the rules of ticket events (it imports this module)."""
    from crowdcare.automation import run
    return run


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


def open_ticket(session: Session, conversation: m.Conversation) -> m.Ticket | None:
    """The conversation's open ticket, through the unit of work's memo (see `prefetch`)."""
    return db.once(session, ("open ticket", conversation), lambda: current(
        session, conversation.id) if conversation.id is not None else None)


def open_for_message(session: Session, conversation: m.Conversation, route: str | None,
                     subject: str) -> m.Ticket:
    """The open ticket of this conversation, or a new one that follows the customer's last
    solved ticket when it was solved recently (the journey reads as one chain)."""
    key = ("open ticket", conversation)
    ticket = open_ticket(session, conversation)
    if ticket is not None:
        if ticket.status == TicketStatus.pending:   # the customer answered: back to work
            ticket.status = TicketStatus.open
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
        status=TicketStatus.new, priority=0, route=route, subject=subject[:200] or None,
        follows_ticket_id=previous.id if previous else None,
        assignee_id=conversation.assignee_id, team_id=conversation.team_id,
    )
    session.add(ticket)
    db.remember(session, key, ticket)
    emit(session, ticket.workspace_id, names.TICKET_CREATED, lambda: serialize.ticket(ticket))
    _rules().ticket_created(session, ticket)
    return ticket


# --- the state rules, applied ----------------------------------------------------------------

def state_of(ticket: m.Ticket) -> rules.State:
    return rules.State.from_dict(ticket.state)


def facts(row: m.Message) -> rules.Facts:
    triage = row.triage or {}
    meta = row.meta or {}
    return rules.Facts(
        message_id=row.id, kind=row.kind, text=row.text or "", route=row.route or "tier1",
        route_reasons=list(row.route_reasons or []), priority=row.priority or 0,
        factors=list((triage.get("priority") or {}).get("reasons") or []),
        sent_at=row.sent_at, quick_reply=meta.get("quick_reply_payload") is not None,
        standby=bool(meta.get("standby")))


def _store(ticket: m.Ticket, new: rules.State, conversation: m.Conversation | None = None) -> None:
    """Write the state on the ticket, and on its conversation while it is the open one."""
    ticket.state = new.to_dict()
    ticket.priority, ticket.route, ticket.waiting_since = new.priority, new.route, \
        new.waiting_since
    conversation = conversation or ticket.conversation
    if ticket.status in OPEN_STATES:
        conversation.priority, conversation.route = new.priority, new.route
    elif conversation.status != "open":
        conversation.priority = 0


def on_customer_message(session: Session, conversation: m.Conversation, row: m.Message,
                        route: str) -> m.Ticket | None:
    """A customer's message: a request opens (or joins) the ticket; anything else joins the
    open ticket, if there is one, without opening one. The state is folded at commit, when
    the message has its id."""
    if rules.is_request(facts(row)):
        ticket = open_for_message(session, conversation, route,
                                  (row.text or "").strip().splitlines()[0] if row.text else "")
    else:
        ticket = open_ticket(session, conversation)
    if ticket is None:
        return None

    def fold() -> None:
        _store(ticket, rules.on_customer(state_of(ticket), facts(row), utcnow()), conversation)
    at_commit(session, fold)
    sla.refresh_at_commit(session, ticket)
    return ticket


def agent_name(session: Session, agent_id: int | None) -> str:
    agent = session.get(m.Agent, agent_id) if agent_id else None
    return agent.name if agent else "an agent"


def on_answer(session: Session, ticket: m.Ticket, by: str) -> None:
    _store(ticket, rules.on_answer(state_of(ticket), by, utcnow()))
    sla.refresh_at_commit(session, ticket)
    emit(session, ticket.workspace_id, names.TICKET_UPDATED, serialize.ticket(ticket))


def check_escalation(ticket: m.Ticket, action: str) -> None:
    if ticket.status not in OPEN_STATES:
        raise Conflict(f"ticket #{ticket.id} is {ticket.status}: nothing to escalate or clear")
    escalated = state_of(ticket).escalated
    if action == "clear" and not escalated:
        raise Conflict(f"ticket #{ticket.id} is not escalated")
    if action == "escalate" and escalated:
        raise Conflict(f"ticket #{ticket.id} is escalated already")
    if action not in ("clear", "escalate"):
        raise Invalid("action is clear or escalate", field="action")


def do_escalation(session: Session, ticket: m.Ticket, action: str, by: str) -> m.Ticket:
    """An agent escalates the ticket, or clears its escalation (the only way one ends before
    the ticket is solved)."""
    change = rules.on_clear_escalation if action == "clear" else rules.on_escalate
    _store(ticket, change(state_of(ticket), by, utcnow()))
    sla.refresh_at_commit(session, ticket)
    session.flush()
    emit(session, ticket.workspace_id, names.TICKET_UPDATED, serialize.ticket(ticket))
    emit(session, ticket.workspace_id, names.CONVERSATION_UPDATED,
         serialize.conversation(ticket.conversation))
    return ticket


def do_tag(session: Session, ticket: m.Ticket, tags: list[str]) -> m.Ticket:
    """Set the ticket's tags (a rule's; an agent's go through do_update)."""
    ticket.tags = tags
    emit(session, ticket.workspace_id, names.TICKET_UPDATED, lambda: serialize.ticket(ticket))
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


def do_update(session: Session, ticket: m.Ticket, changes: dict[str, Any],
              by: str = "an agent") -> m.Ticket:
    _rules().ticket_changing(session, ticket)   # ticket.updated / solved rules, re-offers
    now = utcnow()
    changes = dict(changes)
    priority = changes.pop("priority", None)
    route = changes.pop("route", None)
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
    for key in ("assignee_id", "team_id"):
        if key in changes:
            setattr(conversation, key, changes[key])
    session.flush()
    conversation.status = "open" if current(session, conversation.id) else "closed"
    if "status" in changes or priority is not None or route is not None:
        state = state_of(ticket)
        if route is not None:
            state = rules.on_route(state, route, by, now)
        if changes.get("status") in (TicketStatus.solved, TicketStatus.closed):
            state = rules.on_solved(state, by, now)
        if priority is not None:
            state = rules.on_set_priority(state, priority, by, now)
        _store(ticket, state, conversation)
    sla.refresh_at_commit(session, ticket)   # status, team, tags: the clocks and the policy
    emit(session, ticket.workspace_id, names.TICKET_UPDATED, serialize.ticket(ticket))
    emit(session, ticket.workspace_id, names.CONVERSATION_UPDATED,
         serialize.conversation(conversation))
    return ticket
