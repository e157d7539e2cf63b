"""Read-only queries shared by the API and the console (paged, index-backed)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from crowdcare.store import models as m
from crowdcare.store import search


@dataclass
class ConversationFilter:
    status: str | None = "open"          # open | closed | None (all)
    assignee_id: int | None = None
    unassigned: bool = False
    team_ids: list[int] | None = None
    channel: str | None = None
    language: str | None = None
    route: str | None = None
    sla_states: tuple[str, ...] | None = None   # the open ticket's SLA state (automation/sla)
    customer_id: int | None = None
    q: str | None = None                 # full-text: names, handles, messages, tags, orders
    sort: str = "priority"               # priority | recent
    limit: int = 50
    offset: int = 0


def conversations(session: Session, workspace_id: int,
                  f: ConversationFilter) -> tuple[list[m.Conversation], int]:
    C = m.Conversation
    where = [C.workspace_id == workspace_id]
    if f.status:
        where.append(C.status == f.status)
    if f.assignee_id is not None:
        where.append(C.assignee_id == f.assignee_id)
    if f.unassigned:
        where.append(C.assignee_id.is_(None))
    if f.team_ids is not None:
        where.append(C.team_id.in_(f.team_ids))
    if f.channel:
        where.append(C.channel_account_id.in_(select(m.ChannelAccount.id).where(
            m.ChannelAccount.workspace_id == workspace_id, m.ChannelAccount.kind == f.channel)))
    if f.language:
        where.append(C.language == f.language)
    if f.route:
        where.append(C.route == f.route)
    if f.customer_id is not None:
        where.append(C.customer_id == f.customer_id)
    if f.sla_states:
        where.append(C.sla_state.in_(f.sla_states))
    if f.q:
        return _search(session, workspace_id, f, where)
    order = [column.desc() for column in _sorted_by(C, f.sort)]
    if f.sort == "due":   # the nearest SLA deadline first (overdue ones first of all)
        order = [C.sla_due_at.asc(), C.id.asc()]
    query = select(C).where(*where)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.options(joinedload(C.customer), selectinload(C.channel_account))
        .order_by(*order).limit(f.limit).offset(f.offset)
    ).all()
    return list(rows), total


def _sorted_by(columns, sort: str) -> tuple:
    """What a list is sorted by, newest first (of the conversations or of a CTE of them)."""
    if sort == "priority":
        return columns.priority, columns.last_message_at, columns.id
    return columns.last_message_at, columns.id


def _search(session: Session, workspace_id: int, f: ConversationFilter,
            where: list) -> tuple[list[m.Conversation], int]:
    """A page of search results in one statement driven from the full-text matches (each
    conversation's newest matching message and the total come along), then the page's rows:
    a search costs what it finds, not what the inbox holds. The matches, joined to their
    conversations once, are kept (MATERIALIZED) with only what the page sorts on: counting
    them is a scan of that, not a window over every joined row ahead of the sort."""
    C = m.Conversation
    hits = search.hits(session, workspace_id, f.q)
    if hits is None:
        return [], 0
    found = select(C.id, C.priority, C.last_message_at, hits.c.message_id) \
        .select_from(hits).join(C, C.id == hits.c.conversation_id).where(*where) \
        .cte("found").prefix_with("MATERIALIZED")
    total = select(func.count()).select_from(found).scalar_subquery()
    page = session.execute(
        select(found.c.id, found.c.message_id, total)
        .order_by(*[column.desc() for column in _sorted_by(found.c, f.sort)])
        .limit(f.limit).offset(f.offset)).all()
    if not page:
        return [], 0 if not f.offset else session.scalar(select(total))
    search.remember_hits(session, workspace_id, f.q, {cid: mid for cid, mid, _ in page})
    rows = {c.id: c for c in session.scalars(select(C).where(C.id.in_([r[0] for r in page]))
                                             .options(joinedload(C.customer),
                                                      selectinload(C.channel_account)))}
    return [rows[r[0]] for r in page], page[0][2]


def messages(session: Session, conversation_id: int, limit: int = 200,
             before_id: int | None = None) -> list[m.Message]:
    query = select(m.Message).where(m.Message.conversation_id == conversation_id)
    if before_id is not None:
        query = query.where(m.Message.id < before_id)
    rows = session.scalars(query.order_by(m.Message.id.desc()).limit(limit)).all()
    return list(reversed(rows))


def customer_journey(session: Session, customer_id: int) -> dict:
    """Everything beside a conversation: identities, orders, tickets as follow-on chains."""
    customer_ids = [customer_id] + list(session.scalars(
        select(m.Customer.id).where(m.Customer.merged_into_id == customer_id)))
    orders = session.scalars(
        select(m.Order).where(m.Order.customer_id.in_(customer_ids))
        .options(joinedload(m.Order.items), joinedload(m.Order.shipping_events))
        .order_by(m.Order.created_at.desc())).unique().all()
    tickets = session.scalars(
        select(m.Ticket).where(m.Ticket.customer_id.in_(customer_ids))
        .order_by(m.Ticket.opened_at)).all()
    conversations = session.scalars(
        select(m.Conversation).where(m.Conversation.customer_id.in_(customer_ids))
        .options(joinedload(m.Conversation.channel_account))).all()
    optins = session.scalars(
        select(m.OptInToken).where(m.OptInToken.customer_id.in_(customer_ids))).all()
    return {"orders": list(orders), "tickets": list(tickets),
            "conversations": list(conversations), "optins": list(optins)}
