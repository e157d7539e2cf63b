"""What an advocate is shown, and nothing more: the public post, its public thread (the
customer's public posts and the brand's earlier public replies), the author's public handle.
Never private messages, notes, orders, emails, phones, staff names, other channels'
identities or triage reasons. Every advocate-facing page and API renders from these shapes."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions.serialize import iso
from crowdcare.community.eligibility import ANSWERING, Case
from crowdcare.domain import Direction
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

THREAD = 30   # public messages shown around a post


def author_handle(conversation: m.Conversation) -> str:
    identity = conversation.identity
    if identity is None:
        return "someone"
    return f"@{identity.handle}" if identity.handle else (identity.display_name or "someone")


def public_messages(session: Session, conversation: m.Conversation,
                    limit: int = THREAD) -> list[m.Message]:
    """The conversation's public messages: the customer's posts and the brand's public
    replies that went out (never a direct message, a note or a failed send)."""
    rows = session.scalars(select(m.Message).where(
        m.Message.conversation_id == conversation.id, m.Message.public.is_(True),
        m.Message.kind != "note",
        (m.Message.direction == Direction.inbound) | m.Message.status.in_(ANSWERING))
        .order_by(m.Message.id.desc()).limit(limit)).all()
    return list(reversed(rows))


def post(msg: m.Message, conversation: m.Conversation,
         advocate_names: dict[int, str]) -> dict[str, Any]:
    if msg.direction == Direction.inbound:
        who, kind = author_handle(conversation), "customer"
    elif msg.author == "advocate":
        who, kind = f"{advocate_names.get(msg.agent_id, 'an advocate')} (community)", "community"
    else:
        who, kind = "the brand", "brand"
    return {"id": msg.id, "from": kind, "who": who, "text": msg.text, "url": msg.url,
            "sent_at": iso(msg.sent_at)}


def advocate_names(session: Session, workspace_id: int) -> dict[int, str]:
    return dict(session.execute(select(m.Agent.id, m.Agent.name).where(
        m.Agent.workspace_id == workspace_id, m.Agent.role == "advocate")).all())


def mention(item: Case, me: int, names: dict[int, str] | None = None,
            thread: list[m.Message] | None = None) -> dict[str, Any]:
    """One queue item or mention page, as an advocate may see it."""
    c, p = item.conversation, item.post
    claim = item.claim
    out: dict[str, Any] = {
        "id": c.id, "channel": c.channel_account.kind, "author": author_handle(c),
        "language": item.language, "topic": item.topic,
        "post": post(p, c, names or {}) if p else None,
        "waiting_minutes": int((utcnow() - p.sent_at).total_seconds() // 60) if p else None,
        "claim": None if claim is None else {
            "mine": claim.agent_id == me, "expires_at": iso(claim.expires_at),
            "state": "you are answering" if claim.agent_id == me else "being answered"},
        "available": item.verdict.ok,
        "why_not": item.verdict.reasons,
    }
    if thread is not None:
        out["thread"] = [post(x, c, names or {}) for x in thread]
    return out


def answer(row: m.CommunityAnswer) -> dict[str, Any]:
    """An advocate's own answer, with what became of it and why."""
    return {"id": row.id, "conversation_id": row.conversation_id, "kind": row.kind,
            "to": author_handle(row.conversation) if row.conversation is not None else None,
            "text": row.text, "published_text": row.published_text, "status": row.status,
            "reason": row.reason, "edited": row.edited, "trust": row.trust,
            "submitted_at": iso(row.submitted_at), "published_at": iso(row.published_at),
            "retracted_at": iso(row.retracted_at), "outcome": row.outcome}


def profile(session: Session, agent: m.Agent) -> dict[str, Any]:
    """An advocate's own profile: trust level and why, points, level, badges, preferences."""
    from crowdcare.actions import advocates
    from crowdcare.community import points

    row = advocates.profile(session, agent)
    total = points.total(session, agent.id)
    number, name, nxt = points.level(total)
    badges = session.scalars(select(m.CommunityBadge).where(
        m.CommunityBadge.agent_id == agent.id).order_by(m.CommunityBadge.granted_at)).all()
    return {"id": agent.id, "name": agent.name, "trust": row.trust,
            "trust_since": iso(row.trust_since), "trust_locked": row.trust_locked,
            "trust_reasons": row.trust_reasons, "languages": row.languages,
            "topics": row.topics, "timezone": row.timezone,
            "quiet_start": row.quiet_start, "quiet_end": row.quiet_end,
            "email_alerts": row.email_alerts, "on_leaderboard": row.on_leaderboard,
            "points": total, "level": {"number": number, "name": name, "next_at": nxt},
            "badges": [{"badge": b.badge, "name": points.BADGES.get(b.badge, b.badge),
                        "granted_at": iso(b.granted_at)} for b in badges]}
