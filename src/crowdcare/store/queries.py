"""Read-only queries shared by the API and the console (paged, index-backed)."""
from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

from sqlalchemy import func, null, select
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


def _where(workspace_id: int, f: ConversationFilter) -> list:
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
    return where


def conversations(session: Session, workspace_id: int,
                  f: ConversationFilter) -> tuple[list[m.Conversation], int]:
    """A page of conversations as objects (the API serializes them whole), and the total."""
    C = m.Conversation
    where = _where(workspace_id, f)
    if f.q:
        found = _search(session, workspace_id, f, where)
        if found is None:
            return [], 0
        page, total = found
        ids = session.execute(page).all()
        rows = {c.id: c for c in session.scalars(select(C).where(C.id.in_([r.id for r in ids]))
                                                 .options(joinedload(C.customer),
                                                          selectinload(C.channel_account)))}
        return [rows[r.id] for r in ids], _total(session, f, ids, total)
    order = _order(C, f.sort)
    query = select(C).where(*where)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.options(joinedload(C.customer), selectinload(C.channel_account))
        .order_by(*order).limit(f.limit).offset(f.offset)
    ).all()
    return list(rows), total


INBOX_ROW = (m.Conversation.id, m.Conversation.priority, m.Conversation.customer_id,
             m.Conversation.last_preview, m.Conversation.route, m.Conversation.language,
             m.Conversation.assignee_id, m.Conversation.team_id, m.Conversation.last_message_at,
             m.Customer.name.label("customer_name"), m.Customer.email.label("customer_email"),
             m.Conversation.sla_state, m.Conversation.sla_due_at,
             m.ChannelAccount.kind.label("kind"))
# a list row as the template reads it: a plain tuple's attributes cost a tenth of a Row's
# (a page reads ~25 per row), which made a 50-row page's render cost most of its request
InboxRow = namedtuple("InboxRow", [c.key for c in INBOX_ROW] + ["hit"])


def inbox_rows(session: Session, workspace_id: int, f: ConversationFilter) -> tuple[list, int]:
    """A page of the console's inbox list and the total: InboxRows of just what a list row
    shows (INBOX_ROW, and `hit`: a search's newest matching message's text), read with
    their customers and channels in one statement from the page's ids. Columns, not
    objects: loading 50 conversations and customers as objects cost more than the
    statement that found them."""
    C = m.Conversation
    where = _where(workspace_id, f)
    order = _order(C, f.sort)
    if not f.q:
        page = select(C.id).where(*where).order_by(*order).limit(f.limit).offset(f.offset) \
            .subquery("page")
        rows = session.execute(_rows(page, null().label("hit")).order_by(*order))
        return [InboxRow._make(r) for r in rows], \
            session.scalar(select(func.count()).select_from(C).where(*where))
    found = _search(session, workspace_id, f, where)
    if found is None:
        return [], 0
    page, total = found
    page = page.subquery("page")
    rows = session.execute(
        _rows(page, m.Message.text.label("hit"), page.c.total)
        .outerjoin(m.Message, m.Message.id == page.c.message_id).order_by(*order)).all()
    return [InboxRow._make(r[:-1]) for r in rows], _total(session, f, rows, total)


def _rows(page, *extra):
    """INBOX_ROW (and `extra`) for the ids of `page`, a subquery."""
    C = m.Conversation
    return select(*INBOX_ROW, *extra).select_from(page).join(C, C.id == page.c.id) \
        .join(m.Customer, m.Customer.id == C.customer_id) \
        .join(m.ChannelAccount, m.ChannelAccount.id == C.channel_account_id)


def _order(columns, sort: str) -> list:
    """The ORDER BY of a list (of the conversations or of a CTE of them): newest first, or
    with `due` the nearest SLA deadline first (overdue ones first of all)."""
    if sort == "due":
        return [columns.sla_due_at.asc(), columns.id.asc()]
    return [column.desc() for column in _sorted_by(columns, sort)]


def _sorted_by(columns, sort: str) -> tuple:
    """What a list is sorted by, newest first (of the conversations or of a CTE of them)."""
    if sort == "priority":
        return columns.priority, columns.last_message_at, columns.id
    return columns.last_message_at, columns.id


def _search(session: Session, workspace_id: int, f: ConversationFilter, where: list):
    """A page of search results driven from the full-text matches: a statement for the
    page's (id, message_id: the conversation's newest matching message, total) in order,
    and the total alone; None when the query has nothing to search. A search costs what
    it finds, not what the inbox holds. The matches, joined to their conversations once,
    are kept (MATERIALIZED) with only what the page sorts on: counting them is a scan of
    that, not a window over every joined row ahead of the sort."""
    C = m.Conversation
    hits = search.hits(session, workspace_id, f.q)
    if hits is None:
        return None
    found = select(C.id, C.priority, C.last_message_at, C.sla_due_at, hits.c.message_id) \
        .select_from(hits).join(C, C.id == hits.c.conversation_id).where(*where) \
        .cte("found").prefix_with("MATERIALIZED")
    total = select(func.count()).select_from(found).scalar_subquery()
    page = select(found.c.id, found.c.message_id, total.label("total")) \
        .order_by(*_order(found.c, f.sort)) \
        .limit(f.limit).offset(f.offset)
    return page, total


def _total(session: Session, f: ConversationFilter, page: list, total) -> int:
    """The total a search page's rows carry; past the last page, counted alone."""
    if page:
        return page[0].total
    return 0 if not f.offset else session.scalar(select(total))


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
