"""Advocates: invitation, sign-up, their profile, their trust level (earned or set by staff)."""
from __future__ import annotations

import secrets
from zoneinfo import available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import Invalid, NotFound, people
from crowdcare.community import settings as community_settings
from crowdcare.community import trust
from crowdcare.domain import Role
from crowdcare.events import emit, names
from crowdcare.pipeline.triage.corpora import INTENTS
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

# what an advocate may choose to answer: the triage intents that can reach the community
TOPICS = tuple(i for i in INTENTS if i not in ("technical", "complaint"))
INVITE_DAYS = 14


def profile(session: Session, agent: m.Agent) -> m.Advocate:
    """The advocate's profile, made with the workspace's defaults on first use."""
    row = session.get(m.Advocate, agent.id)
    if row is None:
        ws = session.get(m.Workspace, agent.workspace_id)
        defaults = community_settings.of(ws)
        row = m.Advocate(agent_id=agent.id, workspace_id=agent.workspace_id, languages=["en"],
                         topics=[], quiet_start=defaults.quiet_start,
                         quiet_end=defaults.quiet_end, trust=trust.NEW, trust_since=utcnow(),
                         trust_reasons=["new: every answer is reviewed before it is published"],
                         joined_at=utcnow() if agent.password_hash else None)
        session.add(row)
        session.flush()
    return row


def get(session: Session, workspace_id: int, agent_id: int) -> m.Advocate:
    agent = session.get(m.Agent, agent_id)
    if agent is None or agent.workspace_id != workspace_id or agent.role != Role.advocate:
        raise NotFound(f"advocate {agent_id} not found")
    return profile(session, agent)


def check_profile(languages: list[str], topics: list[str], quiet_start: int | None,
                  quiet_end: int | None, timezone: str) -> dict:
    langs = sorted({x.strip().lower() for x in languages if x.strip()})
    if not langs or any(not (2 <= len(x) <= 8) or not x.replace("-", "").isalpha()
                        for x in langs):
        raise Invalid("choose at least one language (ISO codes such as en, es, hi)",
                      field="languages")
    unknown = sorted(set(topics) - set(TOPICS))
    if unknown:
        raise Invalid(f"unknown topic {', '.join(unknown)} (use {', '.join(TOPICS)})",
                      field="topics")
    for name, hour in (("quiet_start", quiet_start), ("quiet_end", quiet_end)):
        if hour is not None and not 0 <= hour <= 23:
            raise Invalid(f"{name} is an hour from 0 to 23", field=name)
    if timezone != "UTC" and timezone not in available_timezones():
        raise Invalid(f"unknown timezone {timezone!r} (e.g. Europe/Berlin)", field="timezone")
    return {"languages": langs, "topics": sorted(set(topics)), "quiet_start": quiet_start,
            "quiet_end": quiet_end, "timezone": timezone}


def do_profile(session: Session, advocate: m.Advocate, changes: dict) -> m.Advocate:
    for key, value in changes.items():
        setattr(advocate, key, value)
    session.flush()
    return advocate


# --- invitation ------------------------------------------------------------------------------

def do_invite(session: Session, workspace: m.Workspace, email: str, name: str | None,
              invited_by: int | None = None) -> tuple[m.Agent, str]:
    """An advocate account without a password and a one-time link to choose one; returns
    (agent, token). The caller emails the link (or prints it)."""
    email = people.check_add_agent(session, email, Role.advocate, workspace.id)
    agent = people.do_add_agent(session, workspace, email, Role.advocate, name)
    row = profile(session, agent)
    token = secrets.token_urlsafe(24)
    row.invite_token_hash = people.hash_token(token)
    row.invited_at = utcnow()
    session.flush()
    emit(session, workspace.id, names.COMMUNITY_ADVOCATE,
         {"agent_id": agent.id, "event": "invited", "by": invited_by})
    return agent, token


def check_join(session: Session, token: str) -> m.Advocate:
    row = session.scalar(select(m.Advocate).where(
        m.Advocate.invite_token_hash == people.hash_token(token)))
    if row is None or row.invited_at is None or \
            (utcnow() - row.invited_at).days >= INVITE_DAYS or not row.agent.active:
        raise NotFound("this invitation link is unknown, used or expired: ask for a new one")
    return row


def do_join(session: Session, advocate: m.Advocate, password: str, name: str | None) -> m.Agent:
    people.do_set_password(session, advocate.agent, password)
    if name and name.strip():
        advocate.agent.name = name.strip()[:200]
    advocate.invite_token_hash = None
    advocate.joined_at = utcnow()
    session.flush()
    emit(session, advocate.workspace_id, names.COMMUNITY_ADVOCATE,
         {"agent_id": advocate.agent_id, "event": "joined"})
    return advocate.agent


# --- trust ------------------------------------------------------------------------------------

def do_reevaluate(session: Session, advocate: m.Advocate) -> trust.Decision:
    """Apply trust.decide to the advocate's current figures (after every review outcome, and
    in the periodic round for grace periods that ended)."""
    ws = session.get(m.Workspace, advocate.workspace_id)
    rules = community_settings.of(ws).trust
    now = utcnow()
    decision = trust.decide(advocate.trust, advocate.trust_since, advocate.trust_locked,
                            trust.figures(session, advocate.agent_id, rules.window), rules, now)
    _apply(session, advocate, decision.level, decision.reasons, by=None)
    return decision


def check_set_trust(level: str | None, reason: str) -> None:
    if level is not None and level not in trust.LEVELS:
        raise Invalid(f"level must be one of {', '.join(trust.LEVELS)}", field="level")
    if len(reason.strip()) < 3:
        raise Invalid("say why (the advocate sees it)", field="reason")


def do_set_trust(session: Session, advocate: m.Advocate, level: str | None, locked: bool | None,
                 reason: str, by: int) -> m.Advocate:
    """Staff set a level (lead is only ever granted here) and/or lock it."""
    if locked is not None:
        advocate.trust_locked = locked
    _apply(session, advocate, level or advocate.trust,
           [f"{level or advocate.trust}: set by staff: {reason.strip()}"]
           + (["locked by staff"] if advocate.trust_locked else []), by=by, force=True)
    return advocate


def _apply(session: Session, advocate: m.Advocate, level: str, reasons: list[str],
           by: int | None, force: bool = False) -> None:
    changed = level != advocate.trust
    if changed:
        advocate.trust, advocate.trust_since = level, utcnow()
    if changed or force or reasons != advocate.trust_reasons:
        advocate.trust_reasons = reasons
    session.flush()
    if changed or force:
        payload = {"agent_id": advocate.agent_id, "event": "trust", "level": level,
                   "reasons": reasons, "by": by}
        emit(session, advocate.workspace_id, names.COMMUNITY_ADVOCATE, payload)
        emit(session, advocate.workspace_id, names.COMMUNITY_NOTICE,
             {"kind": "trust", "text": f"Your level is now {level}: {reasons[0]}"},
             audience=names.agent(advocate.agent_id))


def do_record_alerts(session: Session, advocate: m.Advocate, posts: list[m.Message],
                     sent_at) -> None:
    """The posts one digest named (one sent_at per digest: the daily cap counts them)."""
    for post in posts:
        session.add(m.CommunityAlert(workspace_id=advocate.workspace_id,
                                     agent_id=advocate.agent_id, message_id=post.id,
                                     sent_at=sent_at))
    session.flush()


# --- the workspace's community settings ------------------------------------------------------

def check_settings(workspace: m.Workspace, changes: dict) -> community_settings.CommunitySettings:
    from pydantic import ValidationError

    current = community_settings.of(workspace).model_dump()
    trust_changes = changes.pop("trust", {}) or {}
    try:
        return community_settings.CommunitySettings.model_validate(
            {**current, **changes, "trust": {**current["trust"], **trust_changes}})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Invalid(f"{'.'.join(str(x) for x in first['loc'])}: {first['msg']}",
                      field=str(first["loc"][0])) from None


def do_settings(session: Session, workspace: m.Workspace,
                settings: community_settings.CommunitySettings) -> None:
    workspace.settings = {**(workspace.settings or {}), "community": settings.model_dump()}
    session.flush()
    emit(session, workspace.id, names.COMMUNITY_ADVOCATE, {"event": "settings"})
