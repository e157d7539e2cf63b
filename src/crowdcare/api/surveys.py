"""CSAT and NPS: the answers with the scores, and the settings of each kind."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from crowdcare.actions import surveys as actions
from crowdcare.api.deps import Principal, admin, get_session, staff
from crowdcare.outbound import surveys

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
