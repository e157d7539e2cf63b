"""Routing rules, workspace triage settings, agents' corrections of triage, and explain."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import NotFound, rules
from crowdcare.actions import triage as actions
from crowdcare.api.deps import Principal, admin, get_session, staff
from crowdcare.api.numbers import Int64
from crowdcare.store import models as m

router = APIRouter(tags=["triage"])


# --- routing rules -----------------------------------------------------------------------

class RuleIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    when: dict[str, Any] = Field(default_factory=dict)
    then: dict[str, Any]
    position: Int64 | None = None
    enabled: bool = True


@router.get("/api/v1/routing-rules")
def list_rules(principal: Principal = Depends(admin),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    """The rules on "message.received" (all rules: /api/v1/rules)."""
    return {"items": [rules.rule_out(r) for r in rules.rows(session, principal.workspace_id,
                                                             rules.MESSAGE_RECEIVED)]}


@router.post("/api/v1/routing-rules", status_code=201)
def create_rule(body: RuleIn, principal: Principal = Depends(admin),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    data = body.model_dump(include={"name", "when", "then"})
    rules.check_rule(data)   # 422 with the reason (unknown field, route, test...)
    row = rules.do_create_rule(session, principal.workspace_id, data, body.position,
                               body.enabled)
    return rules.rule_out(row)


@router.delete("/api/v1/routing-rules/{rule_id}", status_code=204)
def delete_rule(rule_id: Int64, principal: Principal = Depends(admin),
                session: Session = Depends(get_session)) -> Response:
    row = rules.get_rule(session, principal.workspace_id, rule_id)
    if row.event != rules.MESSAGE_RECEIVED:
        raise NotFound(f"routing rule {rule_id} not found (it is a {row.event} rule: "
                       "/api/v1/rules)")
    rules.do_delete_rule(session, row)
    return Response(status_code=204)


# --- settings ----------------------------------------------------------------------------

class SettingsIn(BaseModel):
    keywords: dict[str, list[str]] | None = Field(
        None, description="per kind: service, noise, technical, legal")
    vip_handles: list[str] | None = Field(None, max_length=5000)
    handles: list[str] | None = Field(None, max_length=100,
                                      description="the brand's own handles")


@router.get("/api/v1/triage/settings")
def get_settings(principal: Principal = Depends(staff),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    return actions.settings_out(session.get(m.Workspace, principal.workspace_id))


@router.put("/api/v1/triage/settings")
def put_settings(body: SettingsIn, principal: Principal = Depends(admin),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    changes = actions.check_settings(body.keywords, body.vip_handles, body.handles)
    ws = actions.do_settings(session, session.get(m.Workspace, principal.workspace_id), changes)
    return actions.settings_out(ws)


# --- corrections -------------------------------------------------------------------------

class CorrectionIn(BaseModel):
    field: str = Field(min_length=1, max_length=40)
    value: str | bool
    note: str | None = Field(None, max_length=1000)


@router.post("/api/v1/messages/{message_id}/triage", status_code=201)
def correct(message_id: Int64, body: CorrectionIn, principal: Principal = Depends(staff),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    msg, value = actions.check_correct(session, principal.workspace_id, message_id, body.field,
                                       body.value)
    row = actions.do_correct(session, msg, body.field, value, principal.agent_id, body.note)
    return actions.correction_out(row, body.note)


@router.get("/api/v1/triage/corrections")
def list_corrections(principal: Principal = Depends(staff),
                     session: Session = Depends(get_session)) -> dict[str, Any]:
    rows = session.scalars(select(m.TriageCorrection).where(
        m.TriageCorrection.workspace_id == principal.workspace_id)
        .order_by(m.TriageCorrection.id.desc()).limit(500))
    return {"items": [actions.correction_out(r) for r in rows]}
