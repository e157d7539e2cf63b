"""CSAT and NPS: the answers with the scores, and the settings of each kind."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from crowdcare.actions import surveys as actions
from crowdcare.api.deps import Principal, admin, get_session, staff
from crowdcare.api.numbers import Int64
from crowdcare.outbound import surveys
from crowdcare.store import models as m

router = APIRouter(tags=["surveys"])
Kind = Literal["csat", "nps"]


class SurveySettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    delay_minutes: int | None = Field(None, ge=0, le=10080)
    cooldown_days: int | None = Field(None, ge=1, le=730)
    sample_percent: int | None = Field(None, ge=0, le=100)


@router.get("/api/v1/surveys")
def list_surveys(kind: Kind | None = None,
                 status: Literal["asked", "skipped", "answered"] | None = None,
                 limit: int = Query(100, ge=1, le=500), principal: Principal = Depends(staff),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    """The newest surveys (asked, skipped with the reason, answered with the responder they
    rate), and each kind's score over every answer."""
    rows = surveys.listing(session, principal.workspace_id, kind, status, limit)
    return {"items": [actions.survey_out(r) for r in rows],
            "summary": surveys.summary(session, principal.workspace_id)}


@router.get("/api/v1/surveys/settings")
def get_survey_settings(principal: Principal = Depends(staff),
                        session: Session = Depends(get_session)) -> dict[str, Any]:
    return surveys.config(session, principal.workspace_id)


@router.put("/api/v1/surveys/settings/{kind}")
def put_survey_settings(kind: Kind, body: SurveySettingsIn, principal: Principal = Depends(admin),
                        session: Session = Depends(get_session)) -> dict[str, Any]:
    changes = actions.check_settings(kind, body.model_dump(exclude_none=True))
    result = actions.do_set_settings(session, principal.workspace_id, kind, changes)
    session.commit()
    return result


class SurveyWordsIn(BaseModel):
    """One language's survey texts; left out: unchanged; "": back to the built-in words."""
    model_config = ConfigDict(extra="forbid")
    csat: str | None = Field(None, max_length=640)
    nps: str | None = Field(None, max_length=640)
    csat_typed: str | None = Field(None, max_length=640, description="with {link}")
    nps_typed: str | None = Field(None, max_length=640, description="with {link}")
    thanks: str | None = Field(None, max_length=640)
    opted_out: str | None = Field(None, max_length=640)


@router.put("/api/v1/surveys/translations/{language}")
def put_survey_translation(language: str, body: SurveyWordsIn,
                           principal: Principal = Depends(admin),
                           session: Session = Depends(get_session)) -> dict[str, Any]:
    """The workspace's survey texts in a language (the built-in ones fill the rest)."""
    lang, texts = actions.check_translation(language, body.model_dump(exclude_none=True))
    return {"language": lang,
            "texts": actions.do_set_translation(session, principal.workspace_id, lang, texts)}


@router.put("/api/v1/customers/{customer_id}/survey-opt-out")
def opt_out(customer_id: Int64, principal: Principal = Depends(staff),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """No more CSAT/NPS questions for this customer (later ones are skipped "opted out")."""
    from crowdcare.actions import serialize

    customer = actions.check_opt_out(session, principal.workspace_id, customer_id)
    who = session.get(m.Agent, principal.agent_id)
    actions.do_opt_out(session, customer, f"recorded by {who.email if who else 'staff'}")
    return serialize.customer(customer)


@router.delete("/api/v1/customers/{customer_id}/survey-opt-out")
def opt_in(customer_id: Int64, principal: Principal = Depends(staff),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    from crowdcare.actions import serialize

    customer = actions.check_opt_out(session, principal.workspace_id, customer_id)
    return serialize.customer(actions.do_opt_in(session, customer))
