"""SLA policies and each ticket's clocks: add a policy (validated), and bring a ticket's SLA up
to date (automation/sla.py decides; this stores it on the ticket, mirrors the nearest due time
and the worst state on the conversation the inbox lists, and emits sla.at_risk / sla.breached
once per target cycle). Called where ticket state changes, by the sweep as deadlines come, and
for every open ticket when a policy or a calendar changes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import Invalid, NotFound, serialize
from crowdcare.actions.calendars import by_name as calendar_by_name
from crowdcare.automation import calendars
from crowdcare.automation import sla as rules
from crowdcare.conversations import state as conversation_rules
from crowdcare.domain import Author, Direction, MessageStatus, TicketStatus
from crowdcare.events import at_commit, emit, names
from crowdcare.events.emit import will_run
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

OPEN = (TicketStatus.new, TicketStatus.open, TicketStatus.pending)
_QUEUED = "crowdcare.sla_refresh"


# --- policies ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PolicyInput:
    name: str
    band: str
    targets: dict[str, dict[str, Any]]
    calendar_id: int | None
    conditions: dict[str, list[Any]]
    counts_community: bool
    counts_bot: bool
    at_risk_share: float
    fallback: bool


def parse_target(value: str | int | None, what: str) -> dict[str, Any] | None:
    """60 or "60" (business time), "60:calendar" (calendar time)."""
    if value is None or value == "":
        return None
    text = str(value).strip().lower()
    minutes, _, kind = text.partition(":")
    if len(text) > 20 or not minutes.isdigit() or not 0 < int(minutes) <= 525600 or kind not in (
            "", "business", "calendar"):
        raise Invalid(f"{what} is minutes (1 to 525600), optionally :calendar for calendar "
                      f"time, e.g. 60 or 1440:calendar (got '{value}')", field=what)
    return {"minutes": int(minutes), "business": kind != "calendar"}


def parse_when(items: list[str]) -> dict[str, list[Any]]:
    raw: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise Invalid(f"'{item}' is not FIELD=VALUE (fields: {', '.join(rules.FIELDS)})",
                          field="when")
        raw.setdefault(key.strip().lower(), []).extend(value.split(","))
    try:
        return rules.normalize_conditions(raw)
    except ValueError as exc:
        raise Invalid(str(exc), field="when") from None


def check_add(session: Session, workspace_id: int, name: str, *, first_reply=None,
              next_reply=None, periodic_update=None, resolution=None,
              calendar: str | None = None, when: list[str] | dict[str, Any] | None = None,
              band: str = rules.ALL, at_risk: float = rules.DEFAULT_AT_RISK,
              counts_community: bool = True, counts_bot: bool = False,
              fallback: bool = False) -> PolicyInput:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid("a policy needs a name (at most 100 characters)", field="name")
    band = (band or rules.ALL).strip().lower()
    if band not in (rules.ALL, *rules.BANDS):
        raise Invalid(f"band is {rules.ALL} or one of {', '.join(rules.BANDS)}", field="band")
    targets = {k: v for k, v in (
        ("first_reply", parse_target(first_reply, "first_reply")),
        ("next_reply", parse_target(next_reply, "next_reply")),
        ("periodic_update", parse_target(periodic_update, "periodic_update")),
        ("resolution", parse_target(resolution, "resolution"))) if v}
    if not targets:
        raise Invalid("give at least one target (first reply, next reply, periodic update, "
                      "resolution) in minutes", field="targets")
    try:
        at_risk = float(at_risk)
    except (TypeError, ValueError):
        at_risk = -1.0
    if not 0 < at_risk < 1:
        raise Invalid("at risk is a share of the target between 0 and 1, e.g. 0.75",
                      field="at_risk")
    cal = calendar_by_name(session, workspace_id, calendar) if calendar else None
    if isinstance(when, dict):
        try:
            conditions = rules.normalize_conditions(when)
        except ValueError as exc:
            raise Invalid(str(exc), field="when") from None
    else:
        conditions = parse_when(list(when or []))
    if fallback and conditions:
        raise Invalid("the fallback policy applies when no other matches: it has no conditions",
                      field="fallback")
    return PolicyInput(name, band, targets, cal.id if cal else None, conditions,
                       counts_community, counts_bot, float(at_risk), fallback)


def do_add(session: Session, workspace_id: int, data: PolicyInput) -> m.SlaPolicy:
    """A new policy (last in order), or new targets for one band of an existing one; then
    every open ticket is recomputed at once."""
    row = by_name(session, workspace_id, data.name, missing_ok=True)
    if row is None:
        last = session.scalar(select(m.SlaPolicy.position).where(
            m.SlaPolicy.workspace_id == workspace_id).order_by(m.SlaPolicy.position.desc())
            .limit(1))
        row = m.SlaPolicy(workspace_id=workspace_id, name=data.name, targets={},
                          position=(last or 0) + 1)
        session.add(row)
    row.targets = {**(row.targets or {}), data.band: {
        **(row.targets or {}).get(data.band, {}), **data.targets}}
    row.calendar_id, row.conditions = data.calendar_id, data.conditions
    row.counts_community, row.counts_bot = data.counts_community, data.counts_bot
    row.at_risk_share, row.fallback = data.at_risk_share, data.fallback
    session.flush()   # the new row's id, before the other fallbacks are unset
    if data.fallback:
        for other in session.scalars(select(m.SlaPolicy).where(
                m.SlaPolicy.workspace_id == workspace_id, m.SlaPolicy.fallback.is_(True),
                m.SlaPolicy.id != row.id)):
            other.fallback = False
    row.updated_at = utcnow()
    session.flush()
    recompute_workspace(session, workspace_id)
    return row


def check_delete(session: Session, workspace_id: int, name: str) -> m.SlaPolicy:
    return by_name(session, workspace_id, name)


def do_delete(session: Session, workspace_id: int, row: m.SlaPolicy) -> None:
    session.delete(row)
    session.flush()
    recompute_workspace(session, workspace_id)


def by_name(session: Session, workspace_id: int, name: str,
            missing_ok: bool = False) -> m.SlaPolicy | None:
    row = session.scalar(select(m.SlaPolicy).where(m.SlaPolicy.workspace_id == workspace_id,
                                                   m.SlaPolicy.name == (name or "").strip()))
    if row is None and not missing_ok:
        raise NotFound(f"no SLA policy named '{name}'")
    return row


def listing(session: Session, workspace_id: int) -> list[m.SlaPolicy]:
    return list(session.scalars(select(m.SlaPolicy).where(
        m.SlaPolicy.workspace_id == workspace_id).order_by(m.SlaPolicy.position,
                                                           m.SlaPolicy.id)))


def serialize_policy(session: Session, row: m.SlaPolicy) -> dict[str, Any]:
    cal = session.get(m.BusinessCalendar, row.calendar_id) if row.calendar_id else None
    return {"id": row.id, "name": row.name, "position": row.position,
            "conditions": row.conditions, "targets": row.targets,
            "calendar": cal.name if cal else None, "counts_community": row.counts_community,
            "counts_bot": row.counts_bot, "at_risk_share": row.at_risk_share,
            "fallback": row.fallback, "enabled": row.enabled}


def policies(session: Session, workspace_id: int) -> list[rules.Policy]:
    """The workspace's enabled policies in order, read once per unit of work."""
    def load() -> list[rules.Policy]:
        out = []
        for row in listing(session, workspace_id):
            if not row.enabled:
                continue
            cal = session.get(m.BusinessCalendar, row.calendar_id) if row.calendar_id else None
            out.append(rules.Policy(
                id=row.id, name=row.name, conditions=row.conditions or {},
                targets={band: {k: rules.Target(int(v["minutes"]), bool(v.get("business", True)))
                                for k, v in targets.items()}
                         for band, targets in (row.targets or {}).items()},
                calendar=calendars.from_row(cal) if cal else None,
                counts_community=row.counts_community, counts_bot=row.counts_bot,
                at_risk_share=row.at_risk_share, fallback=row.fallback))
        return out
    return db.once(session, ("sla policies", workspace_id), load)


def _forget_policies(session: Session, workspace_id: int) -> None:
    """A policy or calendar changed in this unit of work: read them again."""
    once = session.info.get("once", {})
    for key in [k for k in once if isinstance(k, tuple) and k[:1] in (("sla policies",),
                                                                       ("calendar for",))
                and k[1] == workspace_id]:
        once.pop(key)


# --- a ticket's clocks -------------------------------------------------------------------------

REPLY_STATUSES = (MessageStatus.queued, MessageStatus.sent, MessageStatus.delivered,
                  MessageStatus.read, MessageStatus.failed)   # a failed reply was still written


def facts(session: Session, ticket: m.Ticket) -> rules.TicketFacts:
    from crowdcare.actions.tickets import facts as message_facts

    conversation = ticket.conversation
    team = session.get(m.Team, ticket.team_id) if ticket.team_id else None
    timeline: list[tuple[datetime, str]] = []
    rows = session.scalars(select(m.Message).where(m.Message.ticket_id == ticket.id)
                           .order_by(m.Message.sent_at, m.Message.id)) if ticket.id else []
    for row in rows:
        if row.direction == Direction.inbound and row.author == Author.customer:
            if conversation_rules.is_request(message_facts(row)):
                timeline.append((row.sent_at, "request"))
        elif (row.direction == Direction.outbound and row.kind != "note"
              and row.status in REPLY_STATUSES and _may_count(row)):
            timeline.append((row.sent_at, f"reply:{row.author}"))
    return rules.TicketFacts(
        channel=conversation.channel_account.kind if conversation.channel_account else None,
        route=ticket.route, priority=ticket.priority or 0, team=team.name if team else None,
        tags=[str(t) for t in ticket.tags or []],
        vip=bool(ticket.customer.vip) if ticket.customer else False,
        language=conversation.language, status=ticket.status,
        opened_at=ticket.opened_at or utcnow(), solved_at=ticket.solved_at, timeline=timeline)


BOT_ANSWERS = ("answer", "order")   # the bot's hand-off or question back answers nothing


def _may_count(row: m.Message) -> bool:
    """Whether this message could be a reply (the policy then says whose count): an agent's
    or an advocate's; the bot's answers; never an automation's (away message, instant reply,
    survey: `metadata.automation`) nor the system's."""
    meta = row.meta or {}
    if meta.get("automation") or row.author == Author.system:
        return False
    if row.author == Author.bot:
        return (meta.get("bot") or {}).get("kind", "answer") in BOT_ANSWERS
    return row.author in (Author.agent, Author.advocate)


def refresh(session: Session, ticket: m.Ticket, now: datetime | None = None) -> None:
    """Bring the ticket's SLA up to `now` (default: the clock), store it, mirror it on the
    conversation and emit the notices due."""
    now = now or utcnow()
    chosen = policies(session, ticket.workspace_id)
    if not chosen and not ticket.sla:
        return
    info = facts(session, ticket)
    policy, why = rules.choose(chosen, info)
    conversation = ticket.conversation
    calendar = policy.calendar if policy and policy.calendar else db.once(
        session, ("calendar for", ticket.workspace_id, conversation.channel_account_id,
                  ticket.team_id), lambda: calendars.calendar_for(
            session, ticket.workspace_id, conversation.channel_account_id, ticket.team_id))
    new, notices = rules.compute(policy, why, calendar, info, ticket.sla, now)
    changed = (ticket.sla or {}).get("state") != new.get("state") or \
        (ticket.sla or {}).get("due_at") != new.get("due_at")
    ticket.sla = new if (policy or new["breaches"]) else None
    ticket.sla_next_at = rules.next_look(new, now) if ticket.status in OPEN else None
    if ticket.status in OPEN:
        conversation.sla_state = new.get("state") if policy else None
        conversation.sla_due_at = datetime.fromisoformat(new["due_at"]) \
            if policy and new.get("due_at") else None
    elif conversation.status != "open" or not _other_open(session, ticket):
        conversation.sla_state, conversation.sla_due_at = None, None
    for notice, target, data in notices:
        emit(session, ticket.workspace_id,
             names.SLA_AT_RISK if notice == "at_risk" else names.SLA_BREACHED,
             {"ticket_id": ticket.id, "conversation_id": ticket.conversation_id,
              "target": target, "policy": new["policy"], "due_at": data["due_at"],
              "state": data["state"], "breached_at": data["breached_at"]})
        _rules().on_event(session, ticket, "sla." + notice, {"sla.target": target})
    if changed or notices:
        emit(session, ticket.workspace_id, names.TICKET_UPDATED,
             lambda: serialize.ticket(ticket))
        emit(session, ticket.workspace_id, names.CONVERSATION_UPDATED,
             lambda: serialize.conversation(conversation))


def _rules():
    from crowdcare.automation import run  # rules act on SLA events; run imports actions
    return run


def _other_open(session: Session, ticket: m.Ticket) -> bool:
    return session.scalar(select(m.Ticket.id).where(
        m.Ticket.conversation_id == ticket.conversation_id, m.Ticket.id != ticket.id,
        m.Ticket.status.in_(OPEN)).limit(1)) is not None


def refresh_at_commit(session: Session, ticket: m.Ticket) -> None:
    """Refresh once per ticket per unit of work, just before commit, after every other
    deferred write (a batch's messages fold their tickets' state at commit too)."""
    queue = session.info.get(_QUEUED)
    if queue is None or not will_run(session, queue["run"]):   # none yet, or rolled back
        queue = session.info[_QUEUED] = {"tickets": {}}

        def run() -> None:
            for row in session.info.pop(_QUEUED, {}).get("tickets", {}).values():
                refresh(session, row)
        queue["run"] = run
        at_commit(session, run, last=True)
    queue["tickets"][id(ticket)] = ticket


def recompute_workspace(session: Session, workspace_id: int) -> int:
    """A policy or calendar changed: every open ticket at once (breaches are not back-dated)."""
    _forget_policies(session, workspace_id)
    calendars._cached.cache_clear()
    rows = session.scalars(select(m.Ticket).where(m.Ticket.workspace_id == workspace_id,
                                                  m.Ticket.status.in_(OPEN))).all()
    for row in rows:
        refresh(session, row)
    session.flush()
    return len(rows)


def sweep(session: Session, now: datetime | None = None, limit: int = 500) -> int:
    """Due work: the open tickets whose next at-risk or due time has come."""
    now = now or utcnow()
    rows = session.scalars(select(m.Ticket).where(
        m.Ticket.sla_next_at.is_not(None), m.Ticket.sla_next_at <= now,
        m.Ticket.status.in_(OPEN)).order_by(m.Ticket.sla_next_at).limit(limit)).all()
    for row in rows:
        refresh(session, row, now)
    session.flush()
    return len(rows)

