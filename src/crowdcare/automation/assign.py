"""Automatic assignment: round robin within a team, limited by each agent's capacity (open
tickets), availability (only "online" agents take work) and skills (languages, intents).

`choose` is the decision, pure, with its reasons ("round robin in Tier 1: Ana at 3/5, speaks
es"); `offer` reads the team under a row lock and writes through actions/assignment, so two
workers assigning at once on PostgreSQL never push an agent past capacity: the second waits
for the first's commit, then counts again. Work nobody can take waits (queued) and is offered
again when an agent of its team frees up (`reoffer`): a ticket of theirs solved or moved, the
agent back online, their capacity raised.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdcare.store import models as m

ONLINE = "online"
REOFFER_LIMIT = 50   # tickets looked at per freed agent (each is offered in turn)


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    name: str
    availability: str = ONLINE
    capacity: int | None = None        # None: no limit
    load: int = 0                      # open tickets assigned now
    languages: tuple[str, ...] = ()    # empty: any
    intents: tuple[str, ...] = ()      # empty: any
    last_assigned_at: datetime | None = None

    def load_text(self, extra: int = 0) -> str:
        cap = "∞" if self.capacity is None else str(self.capacity)
        return f"{self.load + extra}/{cap}"


@dataclass
class Choice:
    agent_id: int | None
    reasons: list[str] = field(default_factory=list)


def _skilled(c: Candidate, language: str | None, intent: str | None) -> bool:
    return (not language or not c.languages or language in c.languages) and \
        (not intent or not c.intents or intent in c.intents)


def choose(team: str, candidates: Iterable[Candidate], language: str | None = None,
           intent: str | None = None) -> Choice:
    """The team member whose turn it is (assigned longest ago) among those online, under
    capacity and skilled; None with the reasons when nobody can take it now."""
    people = list(candidates)
    if not people:
        return Choice(None, [f"nobody is in {team}"])
    reasons: list[str] = [f"round robin in {team}"]
    need_language, need_intent = language, intent
    if language and not any(language in c.languages for c in people) and \
            not any(not c.languages for c in people):
        reasons.append(f"nobody in {team} speaks {language}: anyone")
        need_language = None
    if intent and not any(intent in c.intents for c in people) and \
            not any(not c.intents for c in people):
        reasons.append(f"nobody in {team} takes {intent}: anyone")
        need_intent = None
    skipped: list[str] = []
    free: list[Candidate] = []
    for c in people:
        if c.availability != ONLINE:
            skipped.append(f"{c.name} {c.availability}")
        elif c.capacity is not None and c.load >= c.capacity:
            skipped.append(f"{c.name} full {c.load_text()}")
        elif not _skilled(c, need_language, need_intent):
            lacks = [x for x, have in ((need_language, c.languages), (need_intent, c.intents))
                     if x and have and x not in have]
            skipped.append(f"{c.name} lacks {' and '.join(lacks)}")
        else:
            free.append(c)
    if not free:
        return Choice(None, reasons + ["nobody can take it now (" + "; ".join(skipped) + "): "
                                       "offered again when someone frees up"])
    never = datetime.min.replace(tzinfo=None)
    pick = min(free, key=lambda c: (c.last_assigned_at.replace(tzinfo=None)
                                    if c.last_assigned_at else never, c.load, c.agent_id))
    why = f"{pick.name} at {pick.load_text(1)}"
    if need_language and language in pick.languages:
        why += f", speaks {language}"
    if need_intent and intent in pick.intents:
        why += f", takes {intent}"
    reasons[0] = f"{reasons[0]}: {why}"
    if skipped:
        reasons.append("skipped " + "; ".join(skipped))
    return Choice(pick.agent_id, reasons)


# --- reading the team, under a lock ---------------------------------------------------------

def open_load(session: Session, agent_ids: list[int]) -> dict[int, int]:
    from crowdcare.actions.tickets import OPEN_STATES

    if not agent_ids:
        return {}
    return dict(session.execute(
        select(m.Ticket.assignee_id, func.count()).where(
            m.Ticket.assignee_id.in_(agent_ids), m.Ticket.status.in_(OPEN_STATES))
        .group_by(m.Ticket.assignee_id)).all())


def candidates(session: Session, team_id: int) -> list[Candidate]:
    """The team's active staff, their rows locked until commit (FOR UPDATE on PostgreSQL;
    SQLite has one writer at a time), then their load counted: the count sees every
    assignment committed before the lock was granted."""
    agents = session.scalars(
        select(m.Agent).join(m.team_members, m.team_members.c.agent_id == m.Agent.id)
        .where(m.team_members.c.team_id == team_id, m.Agent.active.is_(True),
               m.Agent.role.in_(("agent", "admin")))
        .order_by(m.Agent.id).with_for_update(of=m.Agent)).all()
    load = open_load(session, [a.id for a in agents])
    out = []
    for a in agents:
        skills = a.skills or {}
        out.append(Candidate(
            a.id, a.name, a.availability, a.capacity, load.get(a.id, 0),
            tuple(skills.get("languages") or ()), tuple(skills.get("intents") or ()),
            a.last_assigned_at))
    return out


def _needs(session: Session, ticket: m.Ticket,
           row: m.Message | None = None) -> tuple[str | None, str | None]:
    """The ticket's language and intent: its latest customer message's triage."""
    if row is None and ticket.id is not None:
        row = session.scalar(select(m.Message).where(
            m.Message.ticket_id == ticket.id, m.Message.direction == "inbound")
            .order_by(m.Message.id.desc()).limit(1))
    triage = (row.triage or {}) if row is not None else {}
    intent = (triage.get("intent") or {}).get("value")
    language = (row.language if row is not None else None) or ticket.conversation.language
    return language, intent


def offer(session: Session, ticket: m.Ticket, by: str = "round robin",
          message: m.Message | None = None) -> m.Agent | None:
    """Assign the ticket by round robin in its team, or queue it with the reasons
    (`message`: the customer's message being handled, when there is one)."""
    from crowdcare.actions import assignment

    if ticket.team_id is None:
        assignment.do_queue(session, ticket, ["no team to assign in"], by, queue=False)
        return None
    team = session.get(m.Team, ticket.team_id)
    language, intent = _needs(session, ticket, message)
    choice = choose(team.name, candidates(session, team.id), language, intent)
    if choice.agent_id is None:
        assignment.do_queue(session, ticket, choice.reasons, by)
        return None
    agent = session.get(m.Agent, choice.agent_id)
    assignment.do_assign(session, ticket, agent, choice.reasons, by)
    return agent


def reoffer(session: Session, agent_id: int) -> int:
    """An agent freed up: offer the queued tickets of their teams again, most urgent and
    longest waiting first. Returns how many were assigned."""
    from crowdcare.actions.tickets import OPEN_STATES

    team_ids = list(session.scalars(select(m.team_members.c.team_id).where(
        m.team_members.c.agent_id == agent_id)))
    if not team_ids:
        return 0
    waiting = session.scalars(
        select(m.Ticket).where(m.Ticket.team_id.in_(team_ids),
                               m.Ticket.assignment_queued_at.is_not(None),
                               m.Ticket.assignee_id.is_(None),
                               m.Ticket.status.in_(OPEN_STATES))
        .order_by(m.Ticket.priority.desc(), m.Ticket.assignment_queued_at, m.Ticket.id)
        .limit(REOFFER_LIMIT)).all()
    assigned = 0
    for ticket in waiting:
        if offer(session, ticket, by="offered again") is not None:
            assigned += 1
    return assigned
