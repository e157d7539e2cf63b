"""The community REST API. Advocates: their queue, a mention (404 unless they may see it),
claim/renew/release, check a draft, answer, hand over, their answers, profile, leaderboards.
Staff (and lead advocates, for new advocates' answers): review, samples, retract, advocates,
the report. Every advocate-facing shape comes from community/visible.py."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import advocates, answers
from crowdcare.actions.serialize import iso
from crowdcare.api.deps import Principal, admin, advocate, current, get_session, staff
from crowdcare.api.numbers import Int64
from crowdcare.community import eligibility, points, review, stats, visible
from crowdcare.community import report as community_report
from crowdcare.outbound import network
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

router = APIRouter(prefix="/api/v1/community", tags=["community"])


def _agent(session: Session, principal: Principal) -> m.Agent:
    return session.get(m.Agent, principal.agent_id)


# --- advocates ---------------------------------------------------------------------------------

@router.get("/queue")
def queue(principal: Principal = Depends(advocate),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    agent = _agent(session, principal)
    profile = advocates.profile(session, agent)
    items = eligibility.queue(session, agent.workspace_id, languages=profile.languages,
                              topics=profile.topics)
    answers.do_record_exposures(session, agent, [i.post for i in items])
    names = visible.advocate_names(session, agent.workspace_id)
    return {"items": [visible.mention(i, agent.id, names) for i in items]}


@router.get("/mentions/{conversation_id}")
def mention(conversation_id: Int64, principal: Principal = Depends(advocate),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    agent = _agent(session, principal)
    case = answers.visible_case(session, agent, conversation_id)
    answers.do_record_exposures(session, agent, [case.post])
    return visible.mention(case, agent.id, visible.advocate_names(session, agent.workspace_id),
                           visible.public_messages(session, case.conversation))


@router.post("/mentions/{conversation_id}/claim")
def claim(conversation_id: Int64, principal: Principal = Depends(advocate),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    agent = _agent(session, principal)
    row = answers.do_claim(session, agent, answers.visible_case(session, agent, conversation_id))
    return {"conversation_id": conversation_id, "expires_at": iso(row.expires_at)}


@router.post("/mentions/{conversation_id}/renew")
def renew(conversation_id: Int64, principal: Principal = Depends(advocate),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    row = answers.do_renew(session, _agent(session, principal), conversation_id)
    return {"conversation_id": conversation_id, "expires_at": iso(row.expires_at)}


@router.post("/mentions/{conversation_id}/release")
def release(conversation_id: Int64, principal: Principal = Depends(advocate),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    return {"released": answers.do_release(session, _agent(session, principal), conversation_id)}


class Draft(BaseModel):
    text: str = Field(max_length=10000)


@router.post("/mentions/{conversation_id}/check")
def check_draft(conversation_id: Int64, body: Draft, principal: Principal = Depends(advocate),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    agent = _agent(session, principal)
    case = answers.visible_case(session, agent, conversation_id)
    text, problems = answers.check_draft(session, agent, case.conversation, body.text)
    return {"ok": not problems, "published_text": text, "length": len(text),
            "problems": [{"kind": p.kind, "reason": p.reason} for p in problems]}


@router.post("/mentions/{conversation_id}/answer", status_code=201)
def answer(conversation_id: Int64, body: Draft, principal: Principal = Depends(advocate),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    agent = _agent(session, principal)
    case, published = answers.check_submit(session, agent, conversation_id, body.text)
    return visible.answer(answers.do_submit(session, agent, case, body.text, published))


class Handover(BaseModel):
    reason: str = Field(min_length=3, max_length=1000)


@router.post("/mentions/{conversation_id}/handover", status_code=201)
def handover(conversation_id: Int64, body: Handover, principal: Principal = Depends(advocate),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    agent = _agent(session, principal)
    case = answers.visible_case(session, agent, conversation_id)
    return visible.answer(answers.do_handover(session, agent, case,
                                              answers.check_reason(body.reason)))


@router.get("/answers")
def my_answers(principal: Principal = Depends(advocate),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    rows = session.scalars(select(m.CommunityAnswer).where(
        m.CommunityAnswer.agent_id == principal.agent_id)
        .order_by(m.CommunityAnswer.id.desc()).limit(100)).all()
    return {"items": [visible.answer(a) for a in rows]}


@router.get("/me")
def get_me(principal: Principal = Depends(advocate),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    return visible.profile(session, _agent(session, principal))


class Profile(BaseModel):
    """Left out: unchanged. A field typed without `| None` refuses null with 422; the quiet
    hours clear with null."""

    languages: list[str] = Field(None, max_length=20)
    topics: list[str] = Field(None, max_length=20)
    quiet_start: Int64 | None = None
    quiet_end: Int64 | None = None
    timezone: str | None = Field(None, max_length=60)
    email_alerts: bool = None
    on_leaderboard: bool = None


@router.patch("/me")
def patch_me(body: Profile, principal: Principal = Depends(advocate),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    agent = _agent(session, principal)
    profile = advocates.profile(session, agent)
    given = body.model_dump(exclude_unset=True)
    changes = advocates.check_profile(
        given.get("languages", profile.languages), given.get("topics", profile.topics),
        given.get("quiet_start", profile.quiet_start), given.get("quiet_end", profile.quiet_end),
        given.get("timezone") or profile.timezone)
    for flag in ("email_alerts", "on_leaderboard"):
        if given.get(flag) is not None:
            changes[flag] = given[flag]
    advocates.do_profile(session, profile, changes)
    return visible.profile(session, agent)


@router.get("/leaderboard")
def leaderboard(period: Literal["week", "month", "year", "all"] = "week",
                principal: Principal = Depends(current),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    rows = points.leaderboard(session, principal.workspace_id, period, utcnow())
    return {"period": period, "items": [r.__dict__ for r in rows]}


# --- review (staff, and lead advocates for new advocates' answers) -------------------------

def _reviewer(session: Session, principal: Principal) -> m.Agent:
    agent = _agent(session, principal)
    if not principal.is_staff and advocates.profile(session, agent).trust != "lead":
        raise HTTPException(403, "reviewing needs staff or a lead advocate")
    return agent


@router.get("/review")
def review_queue(principal: Principal = Depends(current),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    agent = _reviewer(session, principal)
    rows = review.pending(session, agent.workspace_id)
    if not principal.is_staff:   # a lead: new advocates' answers to posts still eligible
        rows = [a for a in rows if a.trust == "new" and a.agent_id != agent.id
                and eligibility.case(session, a.conversation, answer_id=a.id).verdict.ok]
    out = {"items": [review.item(session, a, staff=principal.is_staff) for a in rows]}
    if principal.is_staff:
        out["samples"] = [review.item(session, a) for a in review.samples(session,
                                                                          agent.workspace_id)]
    return out


@router.get("/published")
def published_answers(principal: Principal = Depends(staff),
                      session: Session = Depends(get_session)) -> dict[str, Any]:
    return {"items": [review.item(session, a)
                      for a in review.published(session, principal.workspace_id)]}


class Approve(BaseModel):
    text: str | None = Field(None, max_length=10000, description="edited before publishing")


def _reviewable(session: Session, principal: Principal, answer_id: int,
                sample: bool = False) -> tuple[m.Agent, m.CommunityAnswer]:
    agent = _reviewer(session, principal)
    row = answers.get_answer(session, agent.workspace_id, answer_id)
    answers.check_review(session, agent, row, sample=sample)
    return agent, row


@router.post("/answers/{answer_id}/approve")
def approve(answer_id: Int64, body: Approve, principal: Principal = Depends(current),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    agent, row = _reviewable(session, principal, answer_id)
    answers.do_approve(session, agent, row, body.text)
    return review.item(session, row, staff=principal.is_staff)


class Reason(BaseModel):
    reason: str = Field(max_length=1000)


@router.post("/answers/{answer_id}/reject")
def reject(answer_id: Int64, body: Reason, principal: Principal = Depends(current),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    agent, row = _reviewable(session, principal, answer_id)
    answers.do_reject(session, agent, row, answers.check_reason(body.reason))
    return review.item(session, row, staff=principal.is_staff)


class Sample(BaseModel):
    fine: bool
    reason: str = Field("", max_length=1000)


@router.post("/answers/{answer_id}/sample")
def sample(answer_id: Int64, body: Sample, principal: Principal = Depends(staff),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    agent, row = _reviewable(session, principal, answer_id, sample=True)
    answers.do_sample(session, agent, row, body.fine,
                      body.reason if body.fine else answers.check_reason(body.reason))
    return review.item(session, row)


@router.post("/answers/{answer_id}/retract")
async def retract(answer_id: Int64, body: Reason, principal: Principal = Depends(staff)
                  ) -> dict[str, Any]:
    reason = answers.check_reason(body.reason)
    async with network.client() as http:
        row = await answers.retract(principal.workspace_id, answer_id, principal.agent_id,
                                    reason, http)
    return {"id": row.id, "status": row.status, "retract_result": row.retract_result}


# --- advocates and the report (staff) ------------------------------------------------------

@router.get("/advocates")
def list_advocates(principal: Principal = Depends(staff),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    return {"items": stats.advocates(session, principal.workspace_id)}


class Invite(BaseModel):
    email: str = Field(max_length=320)
    name: str | None = Field(None, max_length=200)


@router.post("/advocates", status_code=201)
def invite(body: Invite, principal: Principal = Depends(admin),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    from crowdcare.settings import get_settings

    ws = session.get(m.Workspace, principal.workspace_id)
    agent, token = advocates.do_invite(session, ws, body.email, body.name, principal.agent_id)
    return {"agent_id": agent.id, "email": agent.email,
            "link": f"{get_settings().public_url.rstrip('/')}/community/join/{token}"}


class TrustIn(BaseModel):
    level: Literal["new", "trusted", "lead"] | None = None
    locked: bool | None = None
    reason: str = Field(max_length=1000)


@router.patch("/advocates/{agent_id}/trust")
def set_trust(agent_id: Int64, body: TrustIn, principal: Principal = Depends(staff),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    row = advocates.get(session, principal.workspace_id, agent_id)
    advocates.check_set_trust(body.level, body.reason)
    advocates.do_set_trust(session, row, body.level, body.locked, body.reason,
                           by=principal.agent_id)
    return {"agent_id": agent_id, "trust": row.trust, "locked": row.trust_locked,
            "reasons": row.trust_reasons}


@router.get("/report")
def report(since: datetime | None = Query(None, description="default: 7 days ago"),
           principal: Principal = Depends(staff),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    now = utcnow()
    return community_report.build(session, principal.workspace_id,
                                  community_report.since(since, now), now)
