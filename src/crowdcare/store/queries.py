"""Read-only queries shared by the API and the console (paged, index-backed)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session, joinedload

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
    customer_id: int | None = None
    q: str | None = None                 # full-text: names, handles, messages, tags, orders
    sort: str = "priority"               # priority | recent
    limit: int = 50
    offset: int = 0


def conversations(session: Session, workspace_id: int,
                  f: ConversationFilter) -> tuple[list[m.Conversation], int]:
    C = m.Conversation
    query = select(C).where(C.workspace_id == workspace_id)
    if f.status:
        query = query.where(C.status == f.status)
    if f.assignee_id is not None:
        query = query.where(C.assignee_id == f.assignee_id)
    if f.unassigned:
        query = query.where(C.assignee_id.is_(None))
    if f.team_ids is not None:
        query = query.where(C.team_id.in_(f.team_ids))
    if f.channel:
        query = query.join(m.ChannelAccount, m.ChannelAccount.id == C.channel_account_id) \
            .where(m.ChannelAccount.kind == f.channel)
    if f.language:
        query = query.where(C.language == f.language)
    if f.route:
        query = query.where(C.route == f.route)
    if f.customer_id is not None:
        query = query.where(C.customer_id == f.customer_id)
    if f.q:
        found = search.conversation_ids(session, workspace_id, f.q)
        if not found:
            return [], 0
        return _page_of(session, query.where(C.id.in_(found)), f)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    order = (C.priority.desc(), C.last_message_at.desc(), C.id.desc()) if f.sort == "priority" \
        else (C.last_message_at.desc(), C.id.desc())
    rows = session.scalars(
        query.options(joinedload(C.customer), joinedload(C.channel_account))
        .order_by(*order).limit(f.limit).offset(f.offset)
    ).all()
    return list(rows), total


def _page_of(session: Session, query, f: ConversationFilter) -> tuple[list[m.Conversation], int]:
    """A page of search results: the matches are few next to the inbox, so their sort keys
    are read in one pass (by primary key) and sorted here, then only the page is loaded."""
    C = m.Conversation
    # the time as the database returns it (an ISO string on SQLite): it sorts the same, and
    # skipping the type's conversion of a thousand rows is most of the cost
    at = literal_column("conversations.last_message_at")
    keys = session.execute(query.with_only_columns(C.id, C.priority, at)).all()

    def key(k):
        return (k[2] is not None, k[2] or 0) if f.sort == "recent" else (k[1] or 0, k[2] is not None,
                                                                          k[2] or 0)
    keys.sort(key=lambda k: (*key(k), k[0]), reverse=True)
    page = [k[0] for k in keys[f.offset:f.offset + f.limit]]
    rows = {c.id: c for c in session.scalars(select(C).where(C.id.in_(page)).options(
        joinedload(C.customer), joinedload(C.channel_account)))} if page else {}
    return [rows[i] for i in page], len(keys)


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
