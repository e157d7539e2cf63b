"""Agents and teams."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import Invalid, people, serialize
from crowdcare.api.deps import Principal, admin, get_session, owned, staff
from crowdcare.api.numbers import Int64
from crowdcare.store import models as m

router = APIRouter(prefix="/api/v1", tags=["agents and teams"])


@router.get("/agents")
def list_agents(principal: Principal = Depends(staff),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    rows = session.scalars(select(m.Agent).where(m.Agent.workspace_id == principal.workspace_id)
                           .order_by(m.Agent.id)).all()
    return {"items": [serialize.agent(a) for a in rows]}


class AgentIn(BaseModel):
    email: str = Field(max_length=320)
    name: str | None = Field(None, max_length=200)
    role: Literal["admin", "agent", "advocate"] = "agent"
    password: str | None = Field(None, min_length=8, max_length=200)


@router.post("/agents", status_code=201)
def add_agent(body: AgentIn, principal: Principal = Depends(admin),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    email = people.check_add_agent(session, body.email, body.role)
    workspace = session.get(m.Workspace, principal.workspace_id)
    return serialize.agent(people.do_add_agent(session, workspace, email, body.role, body.name,
                                               body.password))


class AgentPatch(BaseModel):
    """Left out: unchanged. A field typed without `| None` refuses null with 422 (pydantic
    does not validate the None default, only what is sent); one with it clears."""
    name: str = Field(None, min_length=1, max_length=200)
    role: Literal["admin", "agent", "advocate"] = None
    active: bool = None


@router.patch("/agents/{agent_id}")
def update_agent(agent_id: Int64, body: AgentPatch, principal: Principal = Depends(admin),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    agent = owned(session, m.Agent, agent_id, principal, "agent")
    for key, value in body.model_dump(exclude_unset=True).items():
        setattr(agent, key, value)
    return serialize.agent(agent)


@router.get("/teams")
def list_teams(principal: Principal = Depends(staff),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    rows = session.scalars(select(m.Team).where(m.Team.workspace_id == principal.workspace_id)
                           .order_by(m.Team.id)).all()
    return {"items": [serialize.team(t) for t in rows]}


class TeamIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    members: list[int] = Field(default_factory=list, description="agent ids")


def _members(session: Session, principal: Principal, ids: list[int]) -> list[m.Agent]:
    agents = [session.get(m.Agent, i) for i in ids]
    missing = [i for i, a in zip(ids, agents, strict=True)
               if a is None or a.workspace_id != principal.workspace_id]
    if missing:
        raise Invalid(f"agents {missing} do not exist in this workspace", field="members")
    return agents


@router.post("/teams", status_code=201)
def create_team(body: TeamIn, principal: Principal = Depends(admin),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    name = people.check_team(session, principal.workspace_id, body.name)
    members = _members(session, principal, body.members)
    return serialize.team(people.do_create_team(session, principal.workspace_id, name, members))


class MembersIn(BaseModel):
    members: list[int]


@router.put("/teams/{team_id}/members")
def set_members(team_id: Int64, body: MembersIn, principal: Principal = Depends(admin),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    team = owned(session, m.Team, team_id, principal, "team")
    team.members = _members(session, principal, body.members)
    return serialize.team(team)
