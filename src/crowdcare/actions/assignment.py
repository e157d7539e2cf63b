"""Assignment writes: a ticket given to an agent (with why), queued for one (with why not),
and agents' capacity, skills and availability. The decision is automation/assign.py's."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crowdcare.actions import Invalid, serialize
from crowdcare.events import emit, names
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

AVAILABILITY = ("online", "away", "offline")
MAX_CAPACITY = 1000


def do_assign(session: Session, ticket: m.Ticket, agent: m.Agent, reasons: list[str],
              by: str) -> m.Ticket:
    now = utcnow()
    ticket.assignee_id = agent.id
    ticket.conversation.assignee_id = agent.id
    ticket.assignment_queued_at = None
    ticket.assignment = {"agent_id": agent.id, "agent": agent.name, "by": by,
                         "reasons": reasons, "at": now.isoformat()}
    agent.last_assigned_at = now
    emit(session, ticket.workspace_id, names.TICKET_UPDATED, lambda: serialize.ticket(ticket))
    emit(session, ticket.workspace_id, names.CONVERSATION_UPDATED,
         lambda: serialize.conversation(ticket.conversation))
    return ticket


def do_queue(session: Session, ticket: m.Ticket, reasons: list[str], by: str,
             queue: bool = True) -> m.Ticket:
    """Nobody can take the ticket now: say why; `queue` keeps it waiting for an agent."""
    now = utcnow()
    if queue:
        ticket.assignment_queued_at = ticket.assignment_queued_at or now
    ticket.assignment = {"agent_id": None, "agent": None, "by": by, "reasons": reasons,
                         "at": now.isoformat(), "waiting": queue}
    emit(session, ticket.workspace_id, names.TICKET_UPDATED, lambda: serialize.ticket(ticket))
    return ticket


def routing_out(agent: m.Agent) -> dict[str, Any]:
    skills = agent.skills or {}
    return {"id": agent.id, "name": agent.name, "email": agent.email,
            "capacity": agent.capacity, "availability": agent.availability,
            "languages": list(skills.get("languages") or []),
            "intents": list(skills.get("intents") or []),
            "last_assigned_at": serialize.iso(agent.last_assigned_at)}


def _codes(values: list[str] | None, field: str, allowed: tuple[str, ...] | None = None
           ) -> list[str] | None:
    if values is None:
        return None
    clean = sorted({str(v).strip().lower() for v in values if str(v).strip()})
    if any(len(v) > 40 for v in clean) or len(clean) > 50:
        raise Invalid(f"{field}: at most 50 names of 40 characters", field=field)
    if allowed is not None:
        unknown = [v for v in clean if v not in allowed]
        if unknown:
            raise Invalid(f"unknown {field[:-1]} {', '.join(unknown)} (use "
                          f"{', '.join(allowed)})", field=field)
    return clean


def check_routing(capacity: int | None | str = "keep", availability: str | None = None,
                  languages: list[str] | None = None, intents: list[str] | None = None
                  ) -> dict[str, Any]:
    """What an agent's assignment settings become; `capacity` None clears the limit."""
    from crowdcare.pipeline.triage.corpora import INTENTS

    changes: dict[str, Any] = {}
    if capacity != "keep":
        if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)
                                     or not 0 <= capacity <= MAX_CAPACITY):
            raise Invalid(f"capacity is a number of open tickets, 0 to {MAX_CAPACITY} (or "
                          "none: no limit)", field="capacity")
        changes["capacity"] = capacity
    if availability is not None:
        if availability not in AVAILABILITY:
            raise Invalid(f"availability is {', '.join(AVAILABILITY)}", field="availability")
        changes["availability"] = availability
    langs = _codes(languages, "languages")
    if langs is not None:
        changes["languages"] = langs
    wanted = _codes(intents, "intents", tuple(INTENTS))
    if wanted is not None:
        changes["intents"] = wanted
    return changes


def do_routing(session: Session, agent: m.Agent, changes: dict[str, Any]) -> m.Agent:
    """Write the settings; an agent who can take more now (back online, more capacity or
    skills) is offered the work waiting in their teams."""
    from crowdcare.automation import assign

    before = (agent.availability, agent.capacity)
    if "capacity" in changes:
        agent.capacity = changes["capacity"]
    if "availability" in changes:
        agent.availability = changes["availability"]
    skills = dict(agent.skills or {})
    for key in ("languages", "intents"):
        if key in changes:
            skills[key] = changes[key]
    agent.skills = skills
    session.flush()
    emit(session, agent.workspace_id, names.AGENT_UPDATED, routing_out(agent))
    freed = agent.availability == "online" and (
        before[0] != "online" or "languages" in changes or "intents" in changes
        or (before[1] is not None and (agent.capacity is None or agent.capacity > before[1])))
    if freed:
        assign.reoffer(session, agent.id)
    return agent
