"""What staff see of each advocate: answers, approval and edit rates, hand-overs, time to
answer, points, trust level and why."""
from __future__ import annotations

from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from crowdcare.community import points
from crowdcare.community.report import pct as _pct
from crowdcare.store import models as m


def advocates(session: Session, workspace_id: int) -> list[dict]:
    rows = session.scalars(select(m.Agent).where(
        m.Agent.workspace_id == workspace_id, m.Agent.role == "advocate")
        .order_by(m.Agent.name)).all()
    profiles = {p.agent_id: p for p in session.scalars(select(m.Advocate).where(
        m.Advocate.workspace_id == workspace_id))}
    A = m.CommunityAnswer
    by_agent: dict[int, list[m.CommunityAnswer]] = {r.id: [] for r in rows}
    for a in session.scalars(select(A).where(A.workspace_id == workspace_id)
                             .options(joinedload(A.message))):
        by_agent.setdefault(a.agent_id, []).append(a)
    out = []
    for agent in rows:
        mine = by_agent.get(agent.id, [])
        answers = [a for a in mine if a.kind == "answer"]
        reviewed = [a for a in answers if a.reviewed_at is not None and not a.sample]
        approved = [a for a in reviewed if a.status in ("published", "retracted")]
        waits = [(a.submitted_at - a.message.sent_at).total_seconds() / 60 for a in answers
                 if a.message is not None and a.message.sent_at]
        profile = profiles.get(agent.id)
        total = points.total(session, agent.id)
        out.append({
            "agent_id": agent.id, "name": agent.name, "email": agent.email,
            "active": agent.active, "joined": bool(profile and profile.joined_at)
            or bool(agent.password_hash),
            "trust": profile.trust if profile else "new",
            "trust_locked": bool(profile and profile.trust_locked),
            "trust_reasons": profile.trust_reasons if profile else [],
            "languages": profile.languages if profile else [],
            "topics": profile.topics if profile else [],
            "answers": len(answers),
            "published": sum(1 for a in answers if a.status == "published"),
            "pending": sum(1 for a in answers if a.status == "pending"),
            "approval_pct": _pct(len(approved), len(reviewed)),
            "edit_pct": _pct(sum(a.edited for a in approved), len(approved)),
            "rejected": sum(1 for a in answers if a.status == "rejected"),
            "retracted": sum(1 for a in answers if a.status == "retracted"),
            "handovers": sum(1 for a in mine if a.kind == "handover"),
            "median_minutes_to_answer": round(median(waits), 1) if waits else None,
            "points": total, "level": points.level(total)[1],
        })
    return out
