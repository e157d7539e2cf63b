"""How each entry does, from the bot's turns:

- offered: the bot answered with it;
- helpful rate: the customer chose "That solved it" (Zendesk's resolution rate: solved by the
  bot / offered);
- handoff rate: a person took over after it;
- containment rate: solved by the bot and not reopened within CONTAINMENT_DAYS (the ticket is
  still solved, and no follow-on ticket was opened that soon; Chatwoot's lasting resolution).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdcare.domain import TicketStatus
from crowdcare.store import models as m

CONTAINMENT_DAYS = 7


def _rates(c: dict) -> dict:
    n = c["offered"]
    return {**c, **{f"{k}_rate": (c[k] / n if n else None)
                    for k in ("helpful", "handoff", "contained")}}


def per_entry(session: Session, workspace_id: int) -> dict[int, dict]:
    turns = session.execute(
        select(m.BotTurn.entry_id, m.BotTurn.outcome, m.BotTurn.ticket_id)
        .where(m.BotTurn.workspace_id == workspace_id, m.BotTurn.kind == "answer",
               m.BotTurn.entry_id.is_not(None))).all()
    solved_tickets = {t for _, outcome, t in turns if outcome == "solved" and t}
    reopened = _reopened(session, solved_tickets)
    counts: dict[int, dict] = defaultdict(lambda: {"offered": 0, "helpful": 0, "handoff": 0,
                                                   "unhelpful": 0, "contained": 0})
    for entry_id, outcome, ticket_id in turns:
        c = counts[entry_id]
        c["offered"] += 1
        if outcome == "solved":
            c["helpful"] += 1
            c["contained"] += ticket_id not in reopened
        elif outcome in ("handoff", "unhelpful"):
            c[outcome] += 1
    return {entry_id: _rates(c) for entry_id, c in counts.items()}


def _reopened(session: Session, ticket_ids: set[int]) -> set[int]:
    if not ticket_ids:
        return set()
    rows = session.execute(select(m.Ticket.id, m.Ticket.status, m.Ticket.solved_at).where(
        m.Ticket.id.in_(ticket_ids))).all()
    out = {t for t, status, _ in rows if status not in (TicketStatus.solved, TicketStatus.closed)}
    solved_at = {t: at for t, _, at in rows if at is not None}
    for follows, opened in session.execute(select(m.Ticket.follows_ticket_id, m.Ticket.opened_at)
                                           .where(m.Ticket.follows_ticket_id.in_(ticket_ids))):
        at = solved_at.get(follows)
        if at is None or opened <= at + timedelta(days=CONTAINMENT_DAYS):
            out.add(follows)
    return out


def totals(per: dict[int, dict]) -> dict:
    summed = {k: sum(c[k] for c in per.values())
              for k in ("offered", "helpful", "handoff", "unhelpful", "contained")}
    return _rates(summed)


def tickets(session: Session, workspace_id: int) -> dict:
    """The tickets the bot had: how many it solved, how many it handed to a person (whether
    after an answer or at once)."""
    rows = dict(session.execute(
        select(m.BotTurn.kind, func.count(func.distinct(m.BotTurn.ticket_id)))
        .where(m.BotTurn.workspace_id == workspace_id, m.BotTurn.kind.in_(("solved", "handoff")))
        .group_by(m.BotTurn.kind)).all())
    total = session.scalar(select(func.count(func.distinct(m.BotTurn.ticket_id))).where(
        m.BotTurn.workspace_id == workspace_id)) or 0
    return {"tickets": total, "solved": rows.get("solved", 0), "handed_off": rows.get("handoff", 0),
            "solved_rate": rows.get("solved", 0) / total if total else None,
            "handed_off_rate": rows.get("handoff", 0) / total if total else None}
